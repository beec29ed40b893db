using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenTracy.Wire;

/// <summary>An OpenAI <c>chat.completion.chunk</c>. Anthropic and Bedrock streams are translated into these.</summary>
public sealed record StreamChunk
{
    public const string ObjectType = "chat.completion.chunk";

    [JsonPropertyName("id")] public string Id { get; init => field = value ?? string.Empty; } = string.Empty;
    [JsonPropertyName("object")] public string Object { get; init => field = value ?? ObjectType; } = ObjectType;
    [JsonPropertyName("created")] public long Created { get; init; }
    [JsonPropertyName("model")] public string Model { get; init => field = value ?? string.Empty; } = string.Empty;
    [JsonPropertyName("choices")] public IReadOnlyList<ChunkChoice> Choices { get; init => field = value ?? []; } = [];
    [JsonPropertyName("usage")] public Usage? Usage { get; init; }
    [JsonPropertyName("cost")] public CostInfo? Cost { get; init; }
    [JsonPropertyName("system_fingerprint")] public string? SystemFingerprint { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>True for the usage-only chunk (no choices, usage set).</summary>
    [JsonIgnore] public bool IsUsageOnly => Choices.Count == 0 && Usage is not null;

    /// <summary>Content text of the first choice's delta, or null.</summary>
    [JsonIgnore] public string? ContentDelta => Choices.Count > 0 ? Choices[0].Delta.Content : null;
}

public sealed record ChunkChoice
{
    [JsonPropertyName("index")] public int Index { get; init; }
    [JsonPropertyName("delta")] public ChunkDelta Delta { get; init => field = value ?? new(); } = new();
    [JsonPropertyName("finish_reason")] public string? FinishReason { get; init; }
    [JsonPropertyName("logprobs")] public JsonElement? Logprobs { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record ChunkDelta
{
    [JsonPropertyName("role")] public string? Role { get; init; }
    [JsonPropertyName("content")] public string? Content { get; init; }
    [JsonPropertyName("tool_calls")] public IReadOnlyList<ToolCall>? ToolCalls { get; init; }
    [JsonPropertyName("refusal")] public string? Refusal { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }
}
