using System.Text.Json;
using OpenTracy.Wire;

namespace OpenTracy;

/// <summary>
/// Every parameter of the reference SDK's <c>completion()</c> except <c>model</c>, <c>messages</c> and
/// <c>stream</c> (streaming is chosen by calling <c>StreamAsync</c>). Unset values stay out of the body.
/// </summary>
public sealed record CompletionOptions
{
    /// <summary>The reference's default per-call timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);

    public static readonly CompletionOptions Default = new();

    /// <summary><c>api_key</c>: overrides the key from the environment.</summary>
    public string? ApiKey { get; init; }

    /// <summary><c>api_base</c>: overrides the base URL (wins over everything but <see cref="ForceEngine"/>).</summary>
    public string? ApiBase { get; init; }

    /// <summary><c>temperature</c>.</summary>
    public double? Temperature { get; init; }

    /// <summary><c>max_tokens</c>.</summary>
    public int? MaxTokens { get; init; }

    /// <summary><c>top_p</c>.</summary>
    public double? TopP { get; init; }

    /// <summary><c>stop</c>: stop sequences.</summary>
    public IReadOnlyList<string>? Stop { get; init; }

    /// <summary><c>tools</c>: sent only when non-empty.</summary>
    public IReadOnlyList<ToolDefinition>? Tools { get; init; }

    /// <summary><c>tool_choice</c>: <c>"auto"</c>, <c>"none"</c>, <c>"required"</c> or a function object; see <see cref="ToolChoices"/>.</summary>
    public JsonElement? ToolChoice { get; init; }

    /// <summary><c>timeout</c>: per attempt, covering the whole (streamed) answer. 120 s.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary><c>num_retries</c>: extra attempts per model on retryable failures.</summary>
    public int NumRetries { get; init; }

    /// <summary><c>fallbacks</c>: models tried in order after <c>model</c> fails.</summary>
    public IReadOnlyList<string>? Fallbacks { get; init; }

    /// <summary><c>force_engine</c>: always go through the OpenTracy engine (ignores <see cref="ApiBase"/>).</summary>
    public bool ForceEngine { get; init; }

    /// <summary><c>force_direct</c>: always call the provider, even when <c>OPENTRACY_ENGINE_URL</c> is set.</summary>
    public bool ForceDirect { get; init; }

    /// <summary>
    /// <c>**kwargs</c>: extra body fields (<c>seed</c>, <c>user</c>, <c>response_format</c>,
    /// <c>max_completion_tokens</c>, ...), merged into the body last so they override typed fields.
    /// Values may be <see cref="JsonElement"/>s, JSON nodes, or plain objects (serialized with System.Text.Json).
    /// </summary>
    public IReadOnlyDictionary<string, object?>? Extra { get; init; }

    internal void Validate()
    {
        if (Timeout <= TimeSpan.Zero && Timeout != System.Threading.Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "Timeout must be positive.");
        ArgumentOutOfRangeException.ThrowIfNegative(NumRetries, nameof(NumRetries));
    }
}

/// <summary>Ready-made <c>tool_choice</c> values.</summary>
public static class ToolChoices
{
    public static JsonElement Auto => JsonSerializer.SerializeToElement("auto", Wire.WireJson.Default.String);
    public static JsonElement None => JsonSerializer.SerializeToElement("none", Wire.WireJson.Default.String);
    public static JsonElement Required => JsonSerializer.SerializeToElement("required", Wire.WireJson.Default.String);

    /// <summary><c>{"type":"function","function":{"name":...}}</c>.</summary>
    public static JsonElement Function(string name)
    {
        using var doc = JsonDocument.Parse($"{{\"type\":\"function\",\"function\":{{\"name\":{JsonSerializer.Serialize(name, Wire.WireJson.Default.String)}}}}}");
        return doc.RootElement.Clone();
    }
}
