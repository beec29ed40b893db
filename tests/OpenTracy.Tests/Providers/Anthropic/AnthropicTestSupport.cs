using System.Text.Json;
using System.Text.Json.Nodes;
using OpenTracy.Providers;
using OpenTracy.Providers.Anthropic;
using OpenTracy.Wire;

namespace OpenTracy.Tests.Providers.Anthropic;

internal static class AnthropicTestSupport
{
    public const string Model = "claude-sonnet-4-5";
    public const string Provider = "anthropic";

    /// <summary>Parses a hand-written OpenAI request the way the gateway's edge does.</summary>
    public static ChatRequest Request(string json)
        => JsonSerializer.Deserialize(json, WireJson.Default.ChatRequest) ?? throw new InvalidOperationException("null request");

    public static JsonObject Translate(string openAiJson, bool stream = false)
        => AnthropicRequestTranslator.Translate(Request(openAiJson), Model, stream, Provider);

    /// <summary>Semantic JSON comparison (property order and whitespace do not matter) with a readable failure.</summary>
    public static void JsonEqual(string expectedJson, JsonNode? actual)
    {
        var expected = JsonNode.Parse(expectedJson);
        if (JsonNode.DeepEquals(expected, actual)) return;
        var options = new JsonSerializerOptions { WriteIndented = true };
        Assert.Fail($"JSON differs.\nexpected:\n{expected?.ToJsonString(options)}\nactual:\n{actual?.ToJsonString(options)}");
    }

    public static JsonNode? ToNode(StreamChunk chunk) => JsonNode.Parse(JsonSerializer.Serialize(chunk, WireJson.Default.StreamChunk));

    public static JsonNode? ToNode(ModelResponse response) => JsonNode.Parse(JsonSerializer.Serialize(response, WireJson.Default.ModelResponse));

    public static ProviderException ConfigurationFailure(string openAiJson)
    {
        var ex = Assert.Throws<ProviderException>(() => Translate(openAiJson));
        Assert.Equal(ProviderFailureKind.Configuration, ex.Kind);
        Assert.False(ex.IsRetryable);
        return ex;
    }
}
