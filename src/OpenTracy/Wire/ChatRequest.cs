using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenTracy.Wire;

/// <summary>
/// An OpenAI chat-completion request. Typed fields cover what the gateway reads or translates;
/// every other field lands in <see cref="Extra"/> and is written back unchanged, so parameters
/// such as <c>seed</c>, <c>user</c> or <c>max_completion_tokens</c> reach the upstream untouched.
/// </summary>
public sealed record ChatRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("messages")] public IReadOnlyList<ChatMessage>? Messages { get; init; }
    [JsonPropertyName("temperature")] public double? Temperature { get; init; }
    [JsonPropertyName("top_p")] public double? TopP { get; init; }
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; init; }
    [JsonPropertyName("max_completion_tokens")] public int? MaxCompletionTokens { get; init; }
    [JsonPropertyName("stream")] public bool? Stream { get; init; }
    [JsonPropertyName("stream_options")] public StreamOptions? StreamOptions { get; init; }
    [JsonPropertyName("stop")] public StopSequences? Stop { get; init; }
    [JsonPropertyName("tools")] public IReadOnlyList<ToolDefinition>? Tools { get; init; }
    [JsonPropertyName("tool_choice")] public JsonElement? ToolChoice { get; init; }
    [JsonPropertyName("response_format")] public JsonElement? ResponseFormat { get; init; }

    /// <summary>Gateway-only: models tried in order after <see cref="Model"/> fails. Never forwarded upstream.</summary>
    [JsonPropertyName("fallbacks")] public IReadOnlyList<string>? Fallbacks { get; init; }

    /// <summary>Gateway-only: extra attempts per candidate on retryable failures. Never forwarded upstream.</summary>
    [JsonPropertyName("num_retries")] public int? NumRetries { get; init; }

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>True when the caller asked for a final usage chunk on a stream.</summary>
    [JsonIgnore] public bool WantsStreamUsage => StreamOptions?.IncludeUsage == true;

    /// <summary>The request as an upstream should see it: bare model name, no gateway-only fields.</summary>
    public ChatRequest ForUpstream(string bareModel, bool stream) => this with
    {
        Model = bareModel,
        Stream = stream,
        Fallbacks = null,
        NumRetries = null,
    };
}

public sealed record StreamOptions
{
    [JsonPropertyName("include_usage")] public bool? IncludeUsage { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary><c>stop</c>: a single string or a list of strings.</summary>
[JsonConverter(typeof(StopSequencesConverter))]
public sealed record StopSequences(IReadOnlyList<string> Values, bool WasSingle)
{
    public static StopSequences Of(params string[] values) => new(values, values.Length == 1);
}
