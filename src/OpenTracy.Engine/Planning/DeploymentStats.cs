using System.Collections.Concurrent;
using System.Collections.Frozen;
using CoreStats = OpenTracy.Balancing.DeploymentStats;
using CoreSnapshot = OpenTracy.Balancing.DeploymentStatsSnapshot;

namespace OpenTracy.Engine.Planning;

/// <summary>
/// The node's per-deployment runtime statistics, keyed by <see cref="Deployment.StatsKey"/>: this node's
/// own counters (the core <see cref="CoreStats"/>, the same type the SDK Router uses) plus the latest
/// counters the other cluster members published (<see cref="DeploymentStatsPublisher"/>), so every node
/// plans lowest-latency with the same cluster-wide picture. A request in flight to a deployment is counted
/// on its core counters (<see cref="CoreStats.Enter"/> / <see cref="CoreStats.Leave"/>), and the others' last
/// reported in-flight counts are kept beside them, for least-busy. Thread-safe.
/// </summary>
public sealed class DeploymentStats
{
    private readonly ConcurrentDictionary<string, CoreStats> _local = new(StringComparer.Ordinal);
    private FrozenDictionary<string, CoreSnapshot> _others = FrozenDictionary<string, CoreSnapshot>.Empty;
    private FrozenDictionary<string, long> _othersInFlight = FrozenDictionary<string, long>.Empty;

    /// <summary>This node's requests in flight to a deployment now (its core counters' <see cref="CoreStats.InFlight"/>).</summary>
    public long InFlightLocal(string key) => _local.TryGetValue(key, out var stats) ? stats.InFlight : 0;

    /// <summary>Requests in flight to a deployment cluster-wide: this node's live gauge + the other members' last reports.</summary>
    public long InFlightClusterWide(string key)
        => InFlightLocal(key) + (Volatile.Read(ref _othersInFlight).TryGetValue(key, out var others) ? others : 0);

    /// <summary>Replaces the other members' in-flight gauges (summed over live members) with a newer reading.</summary>
    public void SetOthersInFlight(IReadOnlyDictionary<string, long> others)
        => Volatile.Write(ref _othersInFlight, others.ToFrozenDictionary(StringComparer.Ordinal));

    /// <summary>A successful attempt on this node: one request, its latency.</summary>
    public void RecordSuccess(string key, TimeSpan latency) => Local(key).RecordSuccess(latency);

    /// <summary>A failed attempt on this node: one request, one error, no latency (as the Router counts them).</summary>
    public void RecordFailure(string key) => Local(key).RecordFailure();

    /// <summary>This node's own counters of a deployment.</summary>
    public CoreStats Local(string key) => _local.GetOrAdd(key, static _ => new CoreStats());

    /// <summary>This node's counters of every deployment it has used (what it publishes to the others).</summary>
    public IReadOnlyDictionary<string, CoreSnapshot> LocalSnapshot() => _local.ToDictionary(kv => kv.Key, kv => kv.Value.Snapshot(), StringComparer.Ordinal);

    /// <summary>Replaces the other members' counters (summed over members) with a newer reading.</summary>
    public void SetOthers(IReadOnlyDictionary<string, CoreSnapshot> others)
        => Volatile.Write(ref _others, others.ToFrozenDictionary(StringComparer.Ordinal));

    /// <summary>Cluster-wide counters of a deployment (this node + the others' last reading), as the balancer reads them.</summary>
    public CoreStats ClusterWide(string key)
    {
        var combined = new CoreStats();
        if (_local.TryGetValue(key, out var local)) combined.Add(local.Snapshot());
        if (Volatile.Read(ref _others).TryGetValue(key, out var others)) combined.Add(others);
        return combined;
    }

    public DeploymentStat Get(string key)
    {
        var s = ClusterWide(key).Snapshot();
        return new DeploymentStat(key, s.Requests, s.Errors, s.TotalLatencyMs);
    }

    public IReadOnlyList<DeploymentStat> Snapshot()
        => [.. _local.Keys.Union(Volatile.Read(ref _others).Keys).Distinct().Order(StringComparer.Ordinal).Select(Get)];
}

/// <summary>One deployment's counters. Average latency counts failed attempts in the denominator, as the Router does.</summary>
public sealed record DeploymentStat(string Key, long Requests, long Errors, double TotalLatencyMs)
{
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;

    /// <summary>Average latency in ms; +∞ for a deployment never tried (so untried ones sort last).</summary>
    public double AverageLatencyMs => Requests == 0 ? double.PositiveInfinity : TotalLatencyMs / Requests;
}
