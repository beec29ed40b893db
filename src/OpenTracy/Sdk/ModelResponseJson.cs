using System.Text.Json;
using OpenTracy.Wire;

namespace OpenTracy;

/// <summary>A <see cref="ModelResponse"/> as raw JSON: the OpenAI chat.completion plus <c>_cost</c>, <c>_latency_ms</c>, <c>_provider</c>, <c>_routing</c>.</summary>
public static class ModelResponseJson
{
    /// <summary>The response as a JSON string.</summary>
    public static string ToJson(this ModelResponse response) => JsonSerializer.Serialize(response, WireJson.Default.ModelResponse);

    /// <summary>The response as a JSON element (e.g. <c>GetProperty("_cost")</c>).</summary>
    public static JsonElement ToJsonElement(this ModelResponse response) => JsonSerializer.SerializeToElement(response, WireJson.Default.ModelResponse);

    /// <summary>A chunk as a JSON string.</summary>
    public static string ToJson(this StreamChunk chunk) => JsonSerializer.Serialize(chunk, WireJson.Default.StreamChunk);
}
