using System.Text.Json;
using System.Text.Json.Nodes;
using OpenTracy.Wire;

namespace OpenTracy.Sdk;

/// <summary>
/// Builds the OpenAI-schema body of one attempt: <c>model</c>, <c>messages</c>, <c>stream</c> always;
/// typed options only when set; <see cref="CompletionOptions.Extra"/> merged last (it overrides).
/// </summary>
internal static class RequestBody
{
    public static ChatRequest Build(string model, IReadOnlyList<ChatMessage> messages, CompletionOptions options, bool stream)
    {
        var request = new ChatRequest
        {
            Model = model,
            Messages = messages,
            Stream = stream,
            Temperature = options.Temperature,
            MaxTokens = options.MaxTokens,
            TopP = options.TopP,
            Stop = options.Stop is { } stop ? new StopSequences(stop, WasSingle: false) : null,
            Tools = options.Tools is { Count: > 0 } tools ? tools : null,
            ToolChoice = options.ToolChoice,
        };
        if (options.Extra is not { Count: > 0 } extra) return request;

        var node = JsonSerializer.SerializeToNode(request, WireJson.Default.ChatRequest)!.AsObject();
        foreach (var (key, value) in extra) node[key] = ToNode(value);
        // The merged body goes back through the wire model so extras that name typed fields land in them.
        var merged = node.Deserialize(WireJson.Default.ChatRequest)
            ?? throw new CompletionConfigurationException("Extra fields produced an empty request body.");
        // The model, messages and stream of this attempt are not the caller's to override.
        return merged with { Model = model, Messages = messages, Stream = stream };
    }

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode n => n.DeepClone(),
        JsonElement e => JsonSerializer.SerializeToNode(e, WireJson.Default.JsonElement),
        _ => SerializeUntyped(value),
    };

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Extra values are caller objects; reflection serialization is the documented behaviour.")]
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("AOT", "IL3050", Justification = "As above.")]
    private static JsonNode? SerializeUntyped(object value) => JsonSerializer.SerializeToNode(value, value.GetType(), JsonSerializerOptions.Web);
}
