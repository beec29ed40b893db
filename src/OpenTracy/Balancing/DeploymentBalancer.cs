using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace OpenTracy.Balancing;

/// <summary>
/// Orders the deployments of a model group by one <see cref="BalancingStrategy"/> (reference §6).
/// Independent of any call path: the SDK's Router and the engine's model groups both use it.
/// Thread-safe: the rotation counters are atomic and the random source is guarded.
/// </summary>
public sealed class DeploymentBalancer
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _rotation = new(StringComparer.Ordinal);
    private readonly Func<string, double?> _costOf;
    private readonly Random _random;
    private readonly Lock _randomGate = new();

    /// <param name="strategy">How to order.</param>
    /// <param name="costOf">
    /// For <see cref="BalancingStrategy.LeastCost"/>: a comparable price of a deployment's model string
    /// (the reference sums input and output price per token), or null when unknown (sorted last).
    /// Without it every model counts as unknown and least-cost keeps list order.
    /// </param>
    /// <param name="random">For <see cref="BalancingStrategy.WeightedRandom"/>; <see cref="Random.Shared"/> by default.</param>
    public DeploymentBalancer(BalancingStrategy strategy, Func<string, double?>? costOf = null, Random? random = null)
    {
        if (!Enum.IsDefined(strategy)) throw new ArgumentOutOfRangeException(nameof(strategy), strategy, null);
        Strategy = strategy;
        _costOf = costOf ?? (static _ => null);
        _random = random ?? Random.Shared;
    }

    public BalancingStrategy Strategy { get; }

    /// <summary>
    /// The order in which to try <paramref name="deployments"/> for one request to <paramref name="alias"/>.
    /// Groups of one (or none) come back as they are and do not advance the rotation.
    /// </summary>
    public IReadOnlyList<T> Order<T>(string alias, IReadOnlyList<T> deployments) where T : IBalancedDeployment
    {
        ArgumentNullException.ThrowIfNull(alias);
        ArgumentNullException.ThrowIfNull(deployments);
        if (deployments.Count <= 1) return deployments;
        return Strategy switch
        {
            BalancingStrategy.RoundRobin => Rotate(alias, deployments),
            BalancingStrategy.LeastCost => deployments.OrderBy(d => _costOf(d.Model) ?? double.PositiveInfinity).ToArray(),
            BalancingStrategy.LowestLatency => deployments.OrderBy(d => d.Stats.Snapshot().LatencyRank).ToArray(),
            BalancingStrategy.WeightedRandom => WeightedPermutation(deployments),
            // OrderBy is stable: among equally busy deployments the rotation's order stands, so they share the load.
            BalancingStrategy.LeastBusy => Rotate(alias, deployments).OrderBy(d => d.InFlight).ToArray(),
            _ => deployments,
        };
    }

    /// <summary>
    /// Checks a group's weights where it is configured: each finite and ≥ 0, and for
    /// weighted-random at least one positive (the reference fails every request of an all-zero group).
    /// </summary>
    public static void ValidateWeights<T>(string alias, IReadOnlyList<T> deployments, BalancingStrategy strategy) where T : IBalancedDeployment
    {
        foreach (var d in deployments)
            if (!double.IsFinite(d.Weight) || d.Weight < 0)
                throw new ArgumentException($"Deployment '{d.Model}' of '{alias}' has weight {d.Weight}; weights must be finite and >= 0.");
        if (strategy == BalancingStrategy.WeightedRandom && deployments.Count > 0 && deployments.All(d => d.Weight == 0))
            throw new ArgumentException($"Every deployment of '{alias}' has weight 0; weighted-random needs at least one positive weight.");
    }

    /// <summary>Forgets the rotation positions (e.g. after the groups were reconfigured).</summary>
    public void ResetRotation() => _rotation.Clear();

    private T[] Rotate<T>(string alias, IReadOnlyList<T> deployments)
    {
        var counter = _rotation.GetOrAdd(alias, static _ => new StrongBox<long>(-1));
        var ticket = Interlocked.Increment(ref counter.Value);
        var n = deployments.Count;
        var start = (int)(ticket % n);
        var result = new T[n];
        for (var i = 0; i < n; i++) result[i] = deployments[(start + i) % n];
        return result;
    }

    /// <summary>
    /// Sampling without replacement, each pick over the remaining weights. Zero-weight deployments
    /// are never drawn; they follow the drawn ones in list order (the reference raises instead).
    /// </summary>
    private T[] WeightedPermutation<T>(IReadOnlyList<T> deployments) where T : IBalancedDeployment
    {
        var remaining = new List<T>(deployments.Count);
        var zero = new List<T>();
        foreach (var d in deployments)
            (d.Weight > 0 ? remaining : zero).Add(d);

        var result = new List<T>(deployments.Count);
        while (remaining.Count > 0)
        {
            var total = 0.0;
            foreach (var d in remaining) total += d.Weight;
            double draw;
            lock (_randomGate) draw = _random.NextDouble() * total;
            var pick = remaining.Count - 1;
            var cumulative = 0.0;
            for (var i = 0; i < remaining.Count; i++)
            {
                cumulative += remaining[i].Weight;
                if (draw < cumulative)
                {
                    pick = i;
                    break;
                }
            }
            result.Add(remaining[pick]);
            remaining.RemoveAt(pick);
        }
        result.AddRange(zero);
        return [.. result];
    }
}
