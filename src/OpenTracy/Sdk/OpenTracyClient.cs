using System.Runtime.CompilerServices;
using OpenTracy.Providers;
using OpenTracy.Sdk;
using OpenTracy.Wire;

namespace OpenTracy;

/// <summary>
/// The SDK's <c>completion()</c>: one call to any provider, directly or through the OpenTracy engine,
/// with retries and fallbacks. Thread-safe; create one per process (it owns a pooled HttpClient) or
/// use <see cref="Completion"/>'s shared instance.
/// </summary>
/// <remarks>
/// <c>OPENTRACY_ENGINE_URL</c> (legacy <c>LUNAR_ENGINE_URL</c>) is read when the client is constructed;
/// when set, calls without <c>api_base</c>/<c>force_direct</c> go through the engine.
/// </remarks>
public sealed class OpenTracyClient : IDisposable
{
    private readonly HttpClient? _ownedHttp;
    private readonly Func<ProviderInfo, IProviderClient> _clientFor;
    private readonly EngineClient _engine;
    private readonly TargetResolver _resolver;
    private readonly TimeProvider _time;
    private readonly PriceLookup _price;

    /// <summary>A client over the process environment with its own pooled HttpClient.</summary>
    public OpenTracyClient() : this(new ProviderClients(ProviderClients.CreateHttpClient())) => _ownedHttp = _engine.Http;

    /// <summary>A client over existing provider clients (their HttpClient and environment).</summary>
    /// <param name="timeProvider">Clock for latencies and retry waits; <see cref="TimeProvider.System"/> by default.</param>
    public OpenTracyClient(ProviderClients clients, TimeProvider? timeProvider = null)
        : this(clients.Http, clients.Environment, clients.For, timeProvider) { }

    internal OpenTracyClient(HttpClient http, ProviderEnvironment environment, Func<ProviderInfo, IProviderClient> clientFor,
        TimeProvider? timeProvider = null, PriceLookup? price = null)
    {
        Environment = environment;
        _clientFor = clientFor;
        _engine = new EngineClient(http);
        _resolver = new TargetResolver(environment, SdkEnvironment.EngineUrl(environment));
        _time = timeProvider ?? TimeProvider.System;
        _price = price ?? SdkPricing.Lookup;
    }

    /// <summary>Releases the HttpClient this client created itself (none when it was given <see cref="ProviderClients"/>).</summary>
    public void Dispose() => _ownedHttp?.Dispose();

    /// <summary>The environment keys, base URLs and the engine URL come from.</summary>
    public ProviderEnvironment Environment { get; }

    /// <summary>The engine URL read at construction, or null when calls go directly to providers.</summary>
    public string? EngineUrl => _resolver.EngineUrl;

    internal TimeProvider Time => _time;

    internal PriceLookup Price => _price;

    /// <summary>
    /// Blocking form for console apps and scripts: it holds the calling thread until the answer is there.
    /// Prefer <see cref="CompletionAsync"/> everywhere else.
    /// </summary>
    public ModelResponse Completion(string model, IEnumerable<ChatMessage> messages, CompletionOptions? options = null)
    {
        // Run on the thread pool so no caller SynchronizationContext can deadlock the wait.
        return Task.Run(() => CompletionAsync(model, messages, options)).GetAwaiter().GetResult();
    }

    /// <summary>One chat completion: <paramref name="model"/>, then each fallback; each up to 1 + NumRetries attempts.</summary>
    public Task<ModelResponse> CompletionAsync(string model, IEnumerable<ChatMessage> messages, CompletionOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var (opts, list) = Prepare(model, messages, options);
        return AttemptLoop.RunAsync(Plan(model, opts), (c, ct) => SendOnceAsync(c.Model, list, c.Options, ct), _time, recordSuccess: true, cancellationToken);
    }

    /// <summary>
    /// A streamed chat completion. Retries and fallbacks apply until the first chunk has been yielded;
    /// a failure after that ends the enumeration with the error.
    /// </summary>
    public async IAsyncEnumerable<StreamChunk> StreamAsync(string model, IEnumerable<ChatMessage> messages, CompletionOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (opts, list) = Prepare(model, messages, options);
        var opened = await OpenStreamAsync(model, list, opts, cancellationToken).ConfigureAwait(false);
        await using (opened.ConfigureAwait(false))
        {
            if (opened.First is null) yield break;
            yield return opened.First;
            while (await opened.NextAsync().ConfigureAwait(false) is { } chunk) yield return chunk;
        }
    }

    /// <summary>The whole try-plan of a stream, up to the first chunk of the attempt that succeeded.</summary>
    internal Task<OpenedStream> OpenStreamAsync(string model, IReadOnlyList<ChatMessage> messages, CompletionOptions options, CancellationToken ct)
        => AttemptLoop.RunAsync(Plan(model, options), (c, t) => OpenStreamOnceAsync(c.Model, messages, c.Options, t), _time, recordSuccess: true, ct);

    /// <summary>One attempt, no retries: resolve the target, call it, fill the extras.</summary>
    internal async Task<ModelResponse> SendOnceAsync(string model, IReadOnlyList<ChatMessage> messages, CompletionOptions options, CancellationToken ct)
    {
        var target = _resolver.Resolve(model, options);
        switch (target)
        {
            case EngineTarget engine:
            {
                var body = RequestBody.Build(engine.Model, messages, options, stream: false);
                var started = _time.GetTimestamp();
                var answer = await _engine.CompleteAsync(engine, body, options.Timeout, ct).ConfigureAwait(false);
                return ResponseMetadata.ForEngine(answer, engine, _time.GetElapsedTime(started), _price);
            }
            case DirectTarget direct:
            {
                var body = RequestBody.Build(direct.Model, messages, options, stream: false).ForUpstream(direct.Model, stream: false);
                var request = new ProviderRequest(direct.Endpoint, direct.Model, body, options.Timeout);
                var client = _clientFor(direct.Endpoint.Provider);
                var started = _time.GetTimestamp();
                var response = await client.CompleteAsync(request, ct).ConfigureAwait(false);
                return ResponseMetadata.ForDirect(response, direct, _time.GetElapsedTime(started), _price);
            }
            default:
                throw new InvalidOperationException("unknown target " + target.GetType().Name);
        }
    }

    /// <summary>One streaming attempt, up to and including its first chunk.</summary>
    internal async Task<OpenedStream> OpenStreamOnceAsync(string model, IReadOnlyList<ChatMessage> messages, CompletionOptions options, CancellationToken ct)
    {
        var target = _resolver.Resolve(model, options);
        switch (target)
        {
            case EngineTarget engine:
            {
                var body = RequestBody.Build(engine.Model, messages, options, stream: true);
                var (routing, chunks) = await _engine.OpenStreamAsync(engine, body, options.Timeout, ct).ConfigureAwait(false);
                var priced = ResponseMetadata.PricedModel(routing, engine);
                return await OpenedStream.OpenAsync(chunks.GetAsyncEnumerator(ct), c => ResponseMetadata.PriceChunk(c, priced, _price)).ConfigureAwait(false);
            }
            case DirectTarget direct:
            {
                var body = RequestBody.Build(direct.Model, messages, options, stream: true).ForUpstream(direct.Model, stream: true);
                var request = new ProviderRequest(direct.Endpoint, direct.Model, body, options.Timeout);
                var chunks = _clientFor(direct.Endpoint.Provider).StreamAsync(request, ct).GetAsyncEnumerator(ct);
                return await OpenedStream.OpenAsync(chunks, c => ResponseMetadata.PriceChunk(c, direct.Model, _price)).ConfigureAwait(false);
            }
            default:
                throw new InvalidOperationException("unknown target " + target.GetType().Name);
        }
    }

    internal static (CompletionOptions Options, IReadOnlyList<ChatMessage> Messages) Prepare(string model, IEnumerable<ChatMessage> messages, CompletionOptions? options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(messages);
        var opts = options ?? CompletionOptions.Default;
        opts.Validate();
        return (opts, messages as IReadOnlyList<ChatMessage> ?? [.. messages]);
    }

    /// <summary><c>[model] + fallbacks</c>, each with 1 + NumRetries attempts and the same options.</summary>
    private static Candidate[] Plan(string model, CompletionOptions options)
    {
        var attempts = 1 + options.NumRetries;
        var fallbacks = options.Fallbacks ?? [];
        var plan = new Candidate[1 + fallbacks.Count];
        plan[0] = new Candidate(model, options, attempts, RetryPolicy.Completion);
        for (var i = 0; i < fallbacks.Count; i++) plan[i + 1] = new Candidate(fallbacks[i], options, attempts, RetryPolicy.Completion);
        return plan;
    }
}
