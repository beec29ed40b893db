using OpenTracy.Wire;

namespace OpenTracy;

/// <summary>
/// The reference SDK's <c>completion()</c> as static calls over one shared <see cref="OpenTracyClient"/>
/// (process environment, pooled connections; created on first use, so <c>OPENTRACY_ENGINE_URL</c> is
/// read then). For dependency injection or tests create your own <see cref="OpenTracyClient"/>.
/// </summary>
public static class Completion
{
    private static readonly Lazy<OpenTracyClient> Shared = new(() => new OpenTracyClient(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The shared client behind these calls.</summary>
    public static OpenTracyClient Client => Shared.Value;

    /// <summary>
    /// Blocking form (<c>completion(..., stream=False)</c>) for console apps and scripts; it holds the
    /// calling thread until the answer is there. Prefer <see cref="CreateAsync"/>.
    /// </summary>
    public static ModelResponse Create(string model, IEnumerable<ChatMessage> messages, CompletionOptions? options = null)
        => Client.Completion(model, messages, options);

    /// <summary><c>acompletion(...)</c>.</summary>
    public static Task<ModelResponse> CreateAsync(string model, IEnumerable<ChatMessage> messages, CompletionOptions? options = null,
        CancellationToken cancellationToken = default)
        => Client.CompletionAsync(model, messages, options, cancellationToken);

    /// <summary><c>completion(..., stream=True)</c>: chunks as they arrive; retries and fallbacks apply until the first one.</summary>
    public static IAsyncEnumerable<StreamChunk> StreamAsync(string model, IEnumerable<ChatMessage> messages, CompletionOptions? options = null,
        CancellationToken cancellationToken = default)
        => Client.StreamAsync(model, messages, options, cancellationToken);
}
