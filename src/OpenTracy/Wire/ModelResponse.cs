using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenTracy.Wire;

/// <summary>
/// An OpenAI <c>chat.completion</c> plus OpenTracy's extras: <c>cost</c> (engine), <c>_cost</c>,
/// <c>_latency_ms</c>, <c>_provider</c>, <c>_routing</c> (SDK). Unknown upstream fields survive in <see cref="Extra"/>.
/// </summary>
public sealed record ModelResponse
{
    public const string ObjectType = "chat.completion";

    [JsonPropertyName("id")] public string Id { get; init => field = value ?? string.Empty; } = string.Empty;
    [JsonPropertyName("object")] public string Object { get; init => field = value ?? ObjectType; } = ObjectType;
    [JsonPropertyName("created")] public long Created { get; init; }
    [JsonPropertyName("model")] public string Model { get; init => field = value ?? string.Empty; } = string.Empty;
    [JsonPropertyName("choices")] public IReadOnlyList<Choice> Choices { get; init => field = value ?? []; } = [];
    [JsonPropertyName("usage")] public Usage? Usage { get; init; }
    [JsonPropertyName("system_fingerprint")] public string? SystemFingerprint { get; init; }

    /// <summary>Engine cost breakdown in USD (present when the price table knows the model).</summary>
    [JsonPropertyName("cost")] public CostInfo? Cost { get; init; }

    [JsonPropertyName("_cost")] public double? CostUsd { get; init; }
    [JsonPropertyName("_latency_ms")] public double? LatencyMs { get; init; }
    [JsonPropertyName("_provider")] public string? Provider { get; init; }
    [JsonPropertyName("_routing")] public IReadOnlyDictionary<string, string>? Routing { get; init; }

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>Content of the first choice's message, or null.</summary>
    [JsonIgnore] public string? Content => Choices.Count > 0 ? Choices[0].Message?.Content?.Text : null;
}

public sealed record Choice
{
    [JsonPropertyName("index")] public int Index { get; init; }
    [JsonPropertyName("message")] public ChatMessage? Message { get; init; }
    [JsonPropertyName("finish_reason")] public string? FinishReason { get; init; }
    [JsonPropertyName("logprobs")] public JsonElement? Logprobs { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record Usage
{
    [JsonPropertyName("prompt_tokens")] public int PromptTokens { get; init; }
    [JsonPropertyName("completion_tokens")] public int CompletionTokens { get; init; }
    [JsonPropertyName("total_tokens")] public int TotalTokens { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }

    public static Usage Of(int prompt, int completion) => new() { PromptTokens = prompt, CompletionTokens = completion, TotalTokens = prompt + completion };
}

public sealed record CostInfo
{
    [JsonPropertyName("input_cost_usd")] public double InputCostUsd { get; init; }
    [JsonPropertyName("output_cost_usd")] public double OutputCostUsd { get; init; }
    [JsonPropertyName("total_cost_usd")] public double TotalCostUsd { get; init; }
}
