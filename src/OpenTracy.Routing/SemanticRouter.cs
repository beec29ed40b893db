using System.Diagnostics;
using OpenTracy.Routing.Api;
using OpenTracy.Routing.Caching;
using OpenTracy.Routing.Clustering;
using OpenTracy.Routing.Embedding;
using OpenTracy.Routing.Scoring;
using OpenTracy.Routing.Weights;
using OpenTracy.Wire;

namespace OpenTracy.Routing;

/// <summary>
/// The routing facade the engine uses: prompt → (route cache, singleflight) → embedder → cluster → UniRoute
/// scoring, over weights that can be reloaded while requests are in flight. Each request reads one weights
/// snapshot at its start and finishes with it; the cache is keyed by the snapshot's generation and cleared on
/// reload. Thread-safe. Does not own the embedder.
/// </summary>
public sealed class SemanticRouter
{
    private readonly IEmbedder _embedder;
    private readonly SemanticRouterOptions _options;
    private readonly WeightsHolder _weights = new();
    private readonly Lock _reloadGate = new();

    public SemanticRouter(IEmbedder embedder, SemanticRouterOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        _embedder = embedder;
        _options = options ?? new SemanticRouterOptions();
        Cache = new RouteCache(_options.Cache, timeProvider);
    }

    public SemanticRouterOptions Options => _options;

    public RouteCache Cache { get; }

    /// <summary>The weights snapshot in use (null: routing unavailable).</summary>
    public RoutingWeights? CurrentWeights => _weights.Current;

    public bool IsAvailable => _weights.Current is not null;

    /// <summary>Routes a chat request's messages (text of the last user message).</summary>
    public Task<RoutingDecision> RouteMessagesAsync(IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
        => RouteAsync(RoutingPrompt.FromMessages(messages), null, null, cancellationToken);

    /// <summary>Routes a prompt through the cache; concurrent identical misses share one embedding.</summary>
    public async Task<RoutingDecision> RouteAsync(string prompt, IReadOnlyCollection<string>? availableModels = null,
        double? costWeight = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var started = Stopwatch.GetTimestamp();
        var weights = RequireWeights();
        var lambda = costWeight ?? _options.DefaultCostWeight;
        if (!double.IsFinite(lambda))
            throw new RoutingException(RoutingErrorKind.InvalidRequest, "cost_weight must be a finite number");
        var candidates = availableModels is { Count: > 0 } ? availableModels : _options.AllowedModels;
        if (candidates is { Count: > 0 } && !candidates.Any(id => id is not null && weights.TryGetProfile(id, out _)))
            throw new RoutingException(RoutingErrorKind.NoModels, RoutingErrors.NoModelsAvailable); // before embedding
        var key = RouteCache.Key(prompt, lambda, availableModels);

        var (decision, hit) = await Cache.GetOrComputeAsync(key, weights.Generation,
            () => ComputeAsync(weights, prompt, availableModels, lambda), cancellationToken).ConfigureAwait(false);
        return decision with
        {
            CacheHit = hit,
            EmbeddingMs = hit ? 0 : decision.EmbeddingMs,
            RoutingMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        };
    }

    /// <summary>Routes a precomputed embedding (bypasses the cache).</summary>
    public RoutingDecision RouteEmbedding(ReadOnlySpan<float> embedding, IReadOnlyCollection<string>? availableModels = null,
        double? costWeight = null)
    {
        var started = Stopwatch.GetTimestamp();
        var decision = Decide(RequireWeights(), embedding, availableModels, costWeight ?? _options.DefaultCostWeight);
        return decision with { RoutingMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds };
    }

    /// <summary><c>POST /v1/route</c>: validates the request and answers in the reference's shape.</summary>
    public async Task<RouteResponse> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        RoutingDecision decision;
        if (request.Embedding is { Length: > 0 } embedding)
            decision = RouteEmbedding(embedding, request.AvailableModels, request.CostWeight);
        else if (!string.IsNullOrEmpty(request.Prompt))
            decision = await RouteAsync(request.Prompt, request.AvailableModels, request.CostWeight, cancellationToken).ConfigureAwait(false);
        else
            throw new RoutingException(RoutingErrorKind.InvalidRequest, RoutingErrors.PromptOrEmbeddingRequired);
        return RouteResponse.From(decision);
    }

    /// <summary>
    /// Loads a weights directory (<paramref name="path"/>, else the configured one) and swaps it in atomically;
    /// requests in flight finish on the snapshot they started with. The route cache is cleared. On failure the
    /// current weights stay.
    /// </summary>
    /// <exception cref="RoutingException">No path configured, or the directory does not load.</exception>
    public WeightsReloadResponse Reload(string? path = null)
    {
        var directory = string.IsNullOrWhiteSpace(path) ? _options.WeightsPath : path;
        if (string.IsNullOrWhiteSpace(directory))
            throw new RoutingException(RoutingErrorKind.InvalidRequest, RoutingErrors.NoWeightsPath);
        lock (_reloadGate)
        {
            var loaded = WeightsLoader.Load(directory);
            return Install(loaded);
        }
    }

    /// <summary><see cref="Reload"/> on a thread-pool thread (file reading and parsing stay off actor threads).</summary>
    public Task<WeightsReloadResponse> ReloadAsync(string? path = null, CancellationToken cancellationToken = default)
        => Task.Run(() => Reload(path), cancellationToken);

    /// <summary>Swaps in weights built in memory (tests, the trainer); clears the route cache.</summary>
    public WeightsReloadResponse Install(RoutingWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Assigner.Dimension != _embedder.Dimension)
            throw new RoutingException(RoutingErrorKind.InvalidWeights,
                RoutingErrors.EmbedderDimension(weights.Assigner.Dimension, _embedder.Dimension));
        var (previous, installed) = _weights.Install(weights);
        Cache.Clear();
        return new WeightsReloadResponse
        {
            WeightsPath = installed.SourcePath ?? string.Empty,
            OldGeneration = previous?.Generation ?? 0,
            NewGeneration = installed.Generation,
            NumClusters = installed.NumClusters,
            NumModels = installed.NumModels,
            Warnings = installed.Warnings.Count > 0 ? installed.Warnings : null,
        };
    }

    /// <summary>
    /// Loads the configured weights at start. Returns null on success; otherwise the reason routing stays
    /// unavailable (the node keeps running without "auto", as the reference's gateway mode).
    /// </summary>
    public string? TryLoadConfigured()
    {
        if (string.IsNullOrWhiteSpace(_options.WeightsPath)) return "no weights directory configured";
        try
        {
            Reload();
            return null;
        }
        catch (RoutingException ex)
        {
            return ex.Message;
        }
    }

    private async Task<RoutingDecision> ComputeAsync(RoutingWeights weights, string prompt,
        IReadOnlyCollection<string>? availableModels, double lambda)
    {
        // Not tied to a caller's token: the singleflight result serves every waiter.
        var embedStarted = Stopwatch.GetTimestamp();
        var embedding = await _embedder.EmbedAsync(prompt, CancellationToken.None).ConfigureAwait(false);
        var embeddingMs = Stopwatch.GetElapsedTime(embedStarted).TotalMilliseconds;
        return Decide(weights, embedding.Span, availableModels, lambda) with { EmbeddingMs = embeddingMs };
    }

    private RoutingDecision Decide(RoutingWeights weights, ReadOnlySpan<float> embedding,
        IReadOnlyCollection<string>? availableModels, double lambda)
    {
        var assignment = weights.Assigner.Assign(embedding);
        if (!_options.SoftAssignment) assignment = OneHot(assignment);
        var candidates = availableModels is { Count: > 0 } ? availableModels : _options.AllowedModels;
        return UniRouter.Decide(weights, assignment, lambda, candidates);
    }

    private static ClusterAssignment OneHot(ClusterAssignment assignment)
    {
        var phi = new double[assignment.Probabilities.Count];
        phi[assignment.ClusterId] = 1.0;
        return assignment with { Probabilities = phi };
    }

    private RoutingWeights RequireWeights()
        => _weights.Current ?? throw new RoutingException(RoutingErrorKind.NotAvailable, RoutingErrors.NoWeightsLoaded);
}
