using System.Text.Json.Serialization;

namespace OpenTracy.Node.Observability;

/// <summary>
/// One request as the trace store keeps it and <c>GET /v1/traces</c> lists it. <c>model</c> and
/// <c>provider</c> are those of the deployment that answered (or was tried last); null when the
/// request failed before routing. <c>error</c> is the message the client got. <c>prompt</c> is the routing
/// prompt (last user message, cut to <c>max-prompt-chars</c>) when <c>capture-prompts</c> is on, else null;
/// <c>correct</c> is the label a client gave through <c>POST /v1/feedback</c>, else null.
/// </summary>
public sealed record TraceRecord(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp,
    [property: JsonPropertyName("requested_model")] string? RequestedModel,
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("provider")] string? Provider,
    [property: JsonPropertyName("stream")] bool Stream,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("completion_tokens")] int CompletionTokens,
    [property: JsonPropertyName("cost_usd")] double CostUsd,
    [property: JsonPropertyName("latency_ms")] double LatencyMs,
    [property: JsonPropertyName("ttft_ms")] double? TtftMs,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("error_code")] string? ErrorCode,
    [property: JsonPropertyName("prompt")] string? Prompt = null,
    [property: JsonPropertyName("correct")] bool? Correct = null);

public sealed record TraceList(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<TraceRecord> Data,
    [property: JsonPropertyName("dropped")] long Dropped);

/// <summary>The answer of <c>POST /v1/feedback</c>.</summary>
public sealed record FeedbackResponse(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("correct")] bool Correct);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(TraceList))]
[JsonSerializable(typeof(FeedbackResponse))]
public sealed partial class TraceJson : JsonSerializerContext;
