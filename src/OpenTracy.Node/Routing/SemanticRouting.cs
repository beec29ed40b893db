using OpenTracy.Routing;
using OpenTracy.Routing.Embedding;

namespace OpenTracy.Node.Routing;

/// <summary>
/// The node's one <see cref="SemanticRouter"/>. Loading the embedding model takes seconds, so it happens on a
/// thread-pool thread started with the node: the HTTP edge answers <c>/health</c> at once, and an "auto" request
/// that arrives meanwhile waits for the load up to <c>opentracy.routing.ready-wait</c>, then gets a 503.
/// With routing off (no weights path) nothing is loaded and <see cref="Enabled"/> is false.
/// </summary>
public sealed class SemanticRouting : IHostedService, IAsyncDisposable
{
    public const string StartingMessage = "semantic routing is starting (loading the embedding model); retry shortly";

    private readonly RoutingSettings _settings;
    private readonly ILogger<SemanticRouting> _logger;
    private readonly TaskCompletionSource<SemanticRouter> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MiniLmEmbedder? _embedder;
    private SemanticRouter? _router;

    public SemanticRouting(RoutingSettings settings, ILogger<SemanticRouting> logger)
    {
        _settings = settings;
        _logger = logger;
    }

    public RoutingSettings Settings => _settings;

    /// <summary>True when a weights path is configured (the model is or will be loaded).</summary>
    public bool Enabled => _settings.Enabled;

    /// <summary>The router once the model is loaded (null before, or when routing is off or failed to start).</summary>
    public SemanticRouter? Router => Volatile.Read(ref _router);

    /// <summary>True when "auto" can be answered now: the model is loaded and weights are installed.</summary>
    public bool IsAvailable => Router?.IsAvailable == true;

    /// <summary>
    /// The router, waiting for the model load up to <c>ready-wait</c>. Null when routing is off or its start failed;
    /// throws <see cref="TimeoutException"/> when the load is still running after the wait.
    /// </summary>
    public async Task<SemanticRouter?> GetRouterAsync(CancellationToken cancellationToken)
    {
        if (!Enabled) return null;
        try
        {
            return await _ready.Task.WaitAsync(_settings.ReadyWait, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not TimeoutException)
        {
            return null; // the start failed (logged once); routing stays off
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            _logger.LogInformation("semantic routing off (no opentracy.routing.weights-path / {Var})", RoutingSettings.WeightsPathVar);
            return Task.CompletedTask;
        }
        _ = Task.Run(Load, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Load()
    {
        try
        {
            _embedder = new MiniLmEmbedder(_settings.Embedder);
            var router = new SemanticRouter(_embedder, _settings.RouterOptions());
            if (router.TryLoadConfigured() is { } reason)
                _logger.LogWarning("semantic routing unavailable until a weights reload: {Reason}", reason);
            else
                _logger.LogInformation("semantic routing ready: {Path} ({Clusters} clusters, {Models} models)",
                    _settings.WeightsPath, router.CurrentWeights!.NumClusters, router.CurrentWeights.NumModels);
            Volatile.Write(ref _router, router);
            _ready.TrySetResult(router);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "semantic routing failed to start; \"auto\" stays unavailable");
            _ready.TrySetException(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_embedder is { } embedder) await embedder.DisposeAsync().ConfigureAwait(false);
    }
}
