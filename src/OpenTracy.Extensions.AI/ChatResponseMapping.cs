using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenTracy.Wire;
using AiMessage = Microsoft.Extensions.AI.ChatMessage;

namespace OpenTracy.Extensions.AI;

/// <summary>OpenTracy responses and chunks → Microsoft.Extensions.AI types. OpenTracy's extras go into AdditionalProperties.</summary>
internal static class ChatResponseMapping
{
    public const string CostKey = "_cost";
    public const string LatencyKey = "_latency_ms";
    public const string ProviderKey = "_provider";
    public const string RoutingKey = "_routing";

    public static ChatResponse ToChatResponse(ModelResponse response)
    {
        var choice = response.Choices.Count > 0 ? response.Choices[0] : null;
        var contents = new List<AIContent>();
        if (choice?.Message is { } message)
        {
            var text = message.Content?.Text;
            if (!string.IsNullOrEmpty(text)) contents.Add(new TextContent(text));
            foreach (var call in message.ToolCalls ?? [])
                if (call.Function is { Name: { } name } f) contents.Add(FunctionCall(call.Id ?? string.Empty, name, f.Arguments));
        }
        var props = new AdditionalPropertiesDictionary();
        if (response.CostUsd is { } cost) props[CostKey] = cost;
        if (response.LatencyMs is { } latency) props[LatencyKey] = latency;
        if (response.Provider is { } provider) props[ProviderKey] = provider;
        if (response.Routing is { } routing) props[RoutingKey] = routing;

        return new ChatResponse(new AiMessage(ChatRole.Assistant, contents) { MessageId = response.Id, RawRepresentation = choice?.Message })
        {
            ResponseId = response.Id,
            ModelId = response.Model,
            CreatedAt = Created(response.Created),
            FinishReason = FinishReason(choice?.FinishReason),
            Usage = Usage(response.Usage),
            AdditionalProperties = props,
            RawRepresentation = response,
        };
    }

    public static ChatResponseUpdate ToUpdate(StreamChunk chunk, IList<AIContent> contents)
    {
        var choice = chunk.Choices.Count > 0 ? chunk.Choices[0] : null;
        var update = new ChatResponseUpdate(choice?.Delta.Role is { } role ? new ChatRole(role) : null, contents)
        {
            ResponseId = chunk.Id,
            MessageId = chunk.Id,
            ModelId = chunk.Model,
            CreatedAt = Created(chunk.Created),
            FinishReason = FinishReason(choice?.FinishReason),
            RawRepresentation = chunk,
        };
        if (chunk.Cost is { } cost) (update.AdditionalProperties ??= [])[CostKey] = cost.TotalCostUsd;
        return update;
    }

    public static UsageDetails? Usage(Usage? usage) => usage is null ? null : new UsageDetails
    {
        InputTokenCount = usage.PromptTokens,
        OutputTokenCount = usage.CompletionTokens,
        TotalTokenCount = usage.TotalTokens,
    };

    public static ChatFinishReason? FinishReason(string? reason) => reason switch
    {
        null or "" => null,
        "stop" => ChatFinishReason.Stop,
        "length" => ChatFinishReason.Length,
        "tool_calls" or "function_call" => ChatFinishReason.ToolCalls,
        "content_filter" => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(reason),
    };

    /// <summary>A tool call with its JSON arguments parsed into name → <see cref="JsonElement"/>; unparsable arguments are kept as the exception.</summary>
    public static FunctionCallContent FunctionCall(string callId, string name, string? argumentsJson)
        => FunctionCallContent.CreateFromParsedArguments(string.IsNullOrWhiteSpace(argumentsJson) ? "{}" : argumentsJson, callId, name, ParseArguments);

    private static IDictionary<string, object?>? ParseArguments(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("tool call arguments are not a JSON object");
        var args = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var p in doc.RootElement.EnumerateObject()) args[p.Name] = p.Value.Clone();
        return args;
    }

    private static DateTimeOffset? Created(long unixSeconds) => unixSeconds > 0 ? DateTimeOffset.FromUnixTimeSeconds(unixSeconds) : null;
}
