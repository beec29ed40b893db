using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using OpenTracy.Routing.Scoring;

namespace OpenTracy.Routing.Caching;

/// <summary>Route-cache settings (reference: 10 000 entries, 5 minutes).</summary>
public sealed record RouteCacheOptions
{
    public const int DefaultMaxEntries = 10_000;
    public static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromMinutes(5);

    public int MaxEntries { get; init; } = DefaultMaxEntries;

    public TimeSpan TimeToLive { get; init; } = DefaultTimeToLive;
}

/// <summary>Route-cache counters, as <c>GET /v1/cache</c> reports them.</summary>
public sealed record RouteCacheStatistics(int Size, int MaxSize, TimeSpan TimeToLive, long Hits, long Misses)
{
    public double HitRate => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);
}

/// <summary>
/// Prompt → decision cache (§8.1 step 8): LRU with TTL, keyed by <see cref="Key"/> and the weights generation
/// (a decision from other weights is never served). Concurrent identical misses are collapsed into one
/// computation (singleflight); a failed computation is not cached and every waiter sees its error.
/// </summary>
public sealed class RouteCache
{
    private readonly LruCache<EntryKey, RoutingDecision> _entries;
    private readonly ConcurrentDictionary<EntryKey, Lazy<Task<RoutingDecision>>> _inFlight = new();
    private long _hits, _misses;

    public RouteCache(RouteCacheOptions? options = null, TimeProvider? timeProvider = null)
    {
        var o = options ?? new RouteCacheOptions();
        _entries = new LruCache<EntryKey, RoutingDecision>(o.MaxEntries, o.TimeToLive, timeProvider);
    }

    /// <summary>
    /// Hex MD5 over the prompt's UTF-8 bytes, then <c>"\0λ=" + %g(λ)</c>, then, when models are given,
    /// <c>"\0m="</c> + the ids sorted ordinally and joined with ",".
    /// </summary>
    public static string Key(string prompt, double costWeight, IReadOnlyCollection<string>? models)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var sb = new StringBuilder(prompt.Length + 32);
        sb.Append(prompt).Append("\0λ=").Append(GoFloat.G(costWeight));
        if (models is { Count: > 0 })
        {
            var sorted = models.Order(StringComparer.Ordinal);
            sb.Append("\0m=").AppendJoin(',', sorted);
        }
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>
    /// The cached decision for (<paramref name="key"/>, <paramref name="generation"/>), or the result of
    /// <paramref name="compute"/>, run once however many callers miss at the same time. The computation is not
    /// tied to any one caller: cancelling abandons only that caller's wait.
    /// </summary>
    public async Task<(RoutingDecision Decision, bool Hit)> GetOrComputeAsync(string key, long generation,
        Func<Task<RoutingDecision>> compute, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compute);
        var entryKey = new EntryKey(key, generation);
        if (_entries.TryGet(entryKey, out var cached))
        {
            Interlocked.Increment(ref _hits);
            return (cached, true);
        }
        Interlocked.Increment(ref _misses);

        Lazy<Task<RoutingDecision>>? mine = null;
        mine = new Lazy<Task<RoutingDecision>>(() => RunAsync(entryKey, compute, mine!), LazyThreadSafetyMode.ExecutionAndPublication);
        var flight = _inFlight.GetOrAdd(entryKey, mine);
        var decision = await flight.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        return (decision, false);
    }

    private async Task<RoutingDecision> RunAsync(EntryKey key, Func<Task<RoutingDecision>> compute, Lazy<Task<RoutingDecision>> self)
    {
        try
        {
            // A flight that finished just before this one started may have filled the cache.
            if (_entries.TryGet(key, out var cached)) return cached;
            var decision = await compute().ConfigureAwait(false);
            _entries.Set(key, decision);
            return decision;
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<EntryKey, Lazy<Task<RoutingDecision>>>(key, self));
        }
    }

    /// <summary>Drops every entry and zeroes the counters (weights reload, <c>POST /v1/cache/clear</c>).</summary>
    public void Clear()
    {
        _entries.Clear();
        Interlocked.Exchange(ref _hits, 0);
        Interlocked.Exchange(ref _misses, 0);
    }

    public RouteCacheStatistics GetStatistics() => new(_entries.Count, _entries.Capacity,
        _entries.TimeToLive ?? TimeSpan.Zero, Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    private readonly record struct EntryKey(string Key, long Generation);
}
