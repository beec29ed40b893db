using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using OpenTracy.Balancing;
using OpenTracy.Models;
using OpenTracy.Sdk;
using OpenTracy.Wire;

namespace OpenTracy;

/// <summary>
/// Maps aliases to groups of deployments (reference §6): orders a group by its strategy, tries each
/// deployment 1 + numRetries times (retryable failures only, 0.3 s × (attempt + 1) apart or upstream's
/// Retry-After), then the alias's fallbacks once each. An unknown alias is a plain completion.
/// Thread-safe: one Router serves concurrent callers.
/// </summary>
public sealed class Router
{
    /// <summary>The reference Router's default extra attempts per deployment.</summary>
    public const int DefaultNumRetries = 2;

    private const int PriceProbeTokens = 1_000_000;

    private readonly OpenTracyClient _client;
    private readonly FrozenDictionary<string, RouterEntry[]> _groups;
    private readonly FrozenDictionary<string, IReadOnlyList<string>> _fallbacks;
    private readonly DeploymentBalancer _balancer;
    private readonly int _numRetries;
    private readonly TimeSpan _timeout;

    /// <param name="modelList">Deployments; entries sharing a <see cref="RouterDeployment.ModelName"/> form one group, in list order.</param>
    /// <param name="fallbacks">Alias → models tried once each after the whole group failed.</param>
    /// <param name="strategy">How a group is ordered per request.</param>
    /// <param name="numRetries">Extra attempts per deployment on retryable failures.</param>
    /// <param name="timeout">Per-attempt timeout for every call this router makes (120 s).</param>
    /// <param name="client">The completion client; <see cref="Completion.Client"/> by default.</param>
    /// <param name="random">Randomness for weighted-random.</param>
    public Router(IEnumerable<RouterDeployment> modelList, IReadOnlyDictionary<string, IReadOnlyList<string>>? fallbacks = null,
        BalancingStrategy strategy = BalancingStrategy.RoundRobin, int numRetries = DefaultNumRetries, TimeSpan? timeout = null,
        OpenTracyClient? client = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(modelList);
        ArgumentOutOfRangeException.ThrowIfNegative(numRetries);
        _client = client ?? global::OpenTracy.Completion.Client;
        _numRetries = numRetries;
        _timeout = timeout ?? CompletionOptions.DefaultTimeout;
        if (_timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), _timeout, "Timeout must be positive.");

        var groups = new Dictionary<string, List<RouterEntry>>(StringComparer.Ordinal);
        foreach (var d in modelList)
        {
            ArgumentException.ThrowIfNullOrEmpty(d.ModelName, nameof(RouterDeployment.ModelName));
            ArgumentException.ThrowIfNullOrEmpty(d.Model, nameof(RouterDeployment.Model));
            if (!groups.TryGetValue(d.ModelName, out var list)) groups[d.ModelName] = list = [];
            list.Add(new RouterEntry(d));
        }
        foreach (var (alias, list) in groups) DeploymentBalancer.ValidateWeights(alias, list, strategy);
        _groups = groups.ToFrozenDictionary(g => g.Key, g => g.Value.ToArray(), StringComparer.Ordinal);
        _fallbacks = (fallbacks ?? new Dictionary<string, IReadOnlyList<string>>())
            .ToFrozenDictionary(f => f.Key, f => (IReadOnlyList<string>)[.. f.Value], StringComparer.Ordinal);

        var price = _client.Price;
        _balancer = new DeploymentBalancer(strategy,
            model => price(ModelRef.Parse(model).Model, Usage.Of(PriceProbeTokens, PriceProbeTokens))?.TotalCostUsd,
            random);
    }

    public BalancingStrategy Strategy => _balancer.Strategy;

    /// <summary>The configured aliases.</summary>
    public IReadOnlyCollection<string> ModelNames => _groups.Keys;

    /// <summary>Blocking form for console apps and scripts; prefer <see cref="CompletionAsync"/>.</summary>
    public ModelResponse Completion(string model, IEnumerable<ChatMessage> messages, CompletionOptions? options = null)
        => Task.Run(() => CompletionAsync(model, messages, options)).GetAwaiter().GetResult();

    /// <summary>
    /// Routes one completion. <paramref name="options"/> are passed to every call (their own NumRetries and
    /// Fallbacks stack inside each deployment's call, as in the reference); the router's timeout replaces
    /// theirs, and a deployment's key and base URL replace the options' ones.
    /// </summary>
    public Task<ModelResponse> CompletionAsync(string model, IEnumerable<ChatMessage> messages, CompletionOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var (opts, list) = OpenTracyClient.Prepare(model, messages, options);
        opts = opts with { Timeout = _timeout };
        if (!_groups.TryGetValue(model, out var group)) return _client.CompletionAsync(model, list, opts, cancellationToken);
        return AttemptLoop.RunAsync(Plan(model, group, opts), (c, ct) => _client.CompletionAsync(c.Model, list, c.Options, ct),
            _client.Time, recordSuccess: true, cancellationToken);
    }

    /// <summary>
    /// Routes one streamed completion: deployments and fallbacks are tried until a first chunk arrives;
    /// after that a failure ends the stream with the error. A deployment's stats count the whole stream.
    /// </summary>
    public async IAsyncEnumerable<StreamChunk> StreamAsync(string model, IEnumerable<ChatMessage> messages, CompletionOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (opts, list) = OpenTracyClient.Prepare(model, messages, options);
        opts = opts with { Timeout = _timeout };
        if (!_groups.TryGetValue(model, out var group))
        {
            await foreach (var chunk in _client.StreamAsync(model, list, opts, cancellationToken).ConfigureAwait(false)) yield return chunk;
            yield break;
        }

        var time = _client.Time;
        var (opened, winner, started) = await AttemptLoop.RunAsync(Plan(model, group, opts), async (c, ct) =>
        {
            var start = time.GetTimestamp();
            var stream = await _client.OpenStreamAsync(c.Model, list, c.Options, ct).ConfigureAwait(false);
            return (stream, c, start);
        }, time, recordSuccess: false, cancellationToken).ConfigureAwait(false);

        var failed = false;
        try
        {
            await using (opened.ConfigureAwait(false))
            {
                if (opened.First is not null)
                {
                    yield return opened.First;
                    while (true)
                    {
                        StreamChunk? chunk;
                        try
                        {
                            chunk = await opened.NextAsync().ConfigureAwait(false);
                        }
                        catch
                        {
                            failed = true;
                            throw;
                        }
                        if (chunk is null) break;
                        yield return chunk;
                    }
                }
            }
        }
        finally
        {
            // Only a failure counts against the deployment; a consumer that stops early has been served.
            if (winner.Stats is { } stats)
            {
                if (failed) stats.RecordFailure();
                else stats.RecordSuccess(time.GetElapsedTime(started));
                stats.Leave(); // in flight from the attempt that opened the stream until its end
            }
        }
    }

    /// <summary>Per alias, per deployment (list order): requests, errors, error rate, average latency.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<DeploymentReport>> GetStats()
        => _groups.ToDictionary(g => g.Key, g => (IReadOnlyList<DeploymentReport>)[.. g.Value.Select(e => e.Report())], StringComparer.Ordinal);

    private Candidate[] Plan(string alias, RouterEntry[] group, CompletionOptions options)
    {
        var ordered = _balancer.Order(alias, group);
        var fallbacks = _fallbacks.GetValueOrDefault(alias) ?? [];
        var plan = new Candidate[ordered.Count + fallbacks.Count];
        for (var i = 0; i < ordered.Count; i++)
        {
            var d = ordered[i];
            var deploymentOptions = options with
            {
                ApiKey = d.Config.ApiKey ?? options.ApiKey,
                ApiBase = d.Config.ApiBase ?? options.ApiBase,
            };
            plan[i] = new Candidate(d.Model, deploymentOptions, 1 + _numRetries, RetryPolicy.Router, d.Stats);
        }
        for (var i = 0; i < fallbacks.Count; i++)
            plan[ordered.Count + i] = new Candidate(fallbacks[i], options, 1, RetryPolicy.Router);
        return plan;
    }
}
