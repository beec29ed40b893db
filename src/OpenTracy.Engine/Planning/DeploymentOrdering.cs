using OpenTracy.Pricing;
using System.Collections.Concurrent;
using OpenTracy.Engine.Configuration;

namespace OpenTracy.Engine.Planning;

/// <summary>
/// Orders a model group's deployments for one request, with the SDK Router's semantics (behaviour §6):
/// round-robin rotates a per-alias counter on every call; least-cost sorts stably by summed per-token
/// price (unknown last); lowest-latency sorts stably by average latency (untried last); weighted-random
/// samples without replacement. Groups of one are returned as they are. Thread-safe.
/// </summary>
public sealed class DeploymentOrdering(PriceList prices, DeploymentStats stats, Random? random = null)
{
    private readonly ConcurrentDictionary<string, StrongCounter> _rotation = new(StringComparer.Ordinal);
    private readonly Random _random = random ?? Random.Shared;
    private readonly Lock _randomLock = new();

    public IReadOnlyList<Deployment> Order(string alias, RoutingStrategy strategy, IReadOnlyList<(Deployment Deployment, double Weight)> group)
    {
        if (group.Count <= 1) return [.. group.Select(g => g.Deployment)];
        return strategy switch
        {
            RoutingStrategy.RoundRobin => RoundRobin(alias, group),
            RoutingStrategy.LeastCost => [.. group.Select(g => g.Deployment).OrderBy(d => prices.Find(d.Model) is { } p ? p.InputPerToken + p.OutputPerToken : double.PositiveInfinity)],
            RoutingStrategy.LowestLatency => [.. group.Select(g => g.Deployment).OrderBy(d => stats.Get(d.StatsKey).AverageLatencyMs)],
            RoutingStrategy.WeightedRandom => WeightedRandom(group),
            _ => [.. group.Select(g => g.Deployment)],
        };
    }

    private IReadOnlyList<Deployment> RoundRobin(string alias, IReadOnlyList<(Deployment Deployment, double Weight)> group)
    {
        var counter = _rotation.GetOrAdd(alias, static _ => new StrongCounter());
        // The counter advances on every call whatever the outcome; unsigned arithmetic keeps the rotation right after wrap-around.
        var start = (int)((uint)(Interlocked.Increment(ref counter.Value) - 1) % (uint)group.Count);
        var ordered = new Deployment[group.Count];
        for (var i = 0; i < group.Count; i++) ordered[i] = group[(start + i) % group.Count].Deployment;
        return ordered;
    }

    private IReadOnlyList<Deployment> WeightedRandom(IReadOnlyList<(Deployment Deployment, double Weight)> group)
    {
        var remaining = group.ToList();
        var ordered = new List<Deployment>(group.Count);
        while (remaining.Count > 0)
        {
            var total = remaining.Sum(r => r.Weight);
            if (total <= 0)
            {
                // Only zero weights left: they keep their configured order (the configuration refuses an all-zero group).
                ordered.AddRange(remaining.Select(r => r.Deployment));
                break;
            }
            double pick;
            lock (_randomLock) pick = _random.NextDouble() * total;
            var index = remaining.Count - 1;
            for (var i = 0; i < remaining.Count; i++)
            {
                pick -= remaining[i].Weight;
                if (pick < 0)
                {
                    index = i;
                    break;
                }
            }
            ordered.Add(remaining[index].Deployment);
            remaining.RemoveAt(index);
        }
        return ordered;
    }

    private sealed class StrongCounter
    {
        public int Value;
    }
}
