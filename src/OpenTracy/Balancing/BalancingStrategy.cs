namespace OpenTracy.Balancing;

/// <summary>How the deployments of one model group are ordered for a request (reference §6).</summary>
public enum BalancingStrategy
{
    /// <summary>Rotation: each call starts one deployment further along (per alias), regardless of outcome.</summary>
    RoundRobin,
    /// <summary>Ascending by input + output price per token; models the price table does not know go last.</summary>
    LeastCost,
    /// <summary>Ascending by average latency over all attempts (failures count in the denominator); untried go last.</summary>
    LowestLatency,
    /// <summary>Weighted sampling without replacement: a full permutation biased by weight.</summary>
    WeightedRandom,
    /// <summary>Fewest requests in flight first; equally busy deployments keep rotating (a stable sort of the round-robin order).</summary>
    LeastBusy,
}

/// <summary>The strategies' configuration names (<c>round-robin</c>, <c>least-cost</c>, <c>lowest-latency</c>, <c>weighted-random</c>, <c>least-busy</c>).</summary>
public static class BalancingStrategyNames
{
    public const string RoundRobin = "round-robin";
    public const string LeastCost = "least-cost";
    public const string LowestLatency = "lowest-latency";
    public const string WeightedRandom = "weighted-random";
    public const string LeastBusy = "least-busy";

    public static string ToName(this BalancingStrategy strategy) => strategy switch
    {
        BalancingStrategy.RoundRobin => RoundRobin,
        BalancingStrategy.LeastCost => LeastCost,
        BalancingStrategy.LowestLatency => LowestLatency,
        BalancingStrategy.WeightedRandom => WeightedRandom,
        BalancingStrategy.LeastBusy => LeastBusy,
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, null),
    };

    /// <summary>Every strategy's name, comma-separated, for error messages.</summary>
    public static string All => string.Join(", ", Enum.GetValues<BalancingStrategy>().Select(s => s.ToName()));

    /// <summary>The strategy named <paramref name="name"/> (case and surrounding spaces ignored); the names are <see cref="ToName"/>'s.</summary>
    public static bool TryParse(string? name, out BalancingStrategy strategy)
    {
        var wanted = name?.Trim();
        foreach (var candidate in Enum.GetValues<BalancingStrategy>())
        {
            if (!string.Equals(candidate.ToName(), wanted, StringComparison.OrdinalIgnoreCase)) continue;
            strategy = candidate;
            return true;
        }
        strategy = default;
        return false;
    }

    /// <summary>
    /// Parses a strategy name. Unlike the reference (which silently falls back to list order for an
    /// unknown name), a typo is an error here: it would otherwise change routing without a trace.
    /// </summary>
    public static BalancingStrategy Parse(string name)
        => TryParse(name, out var s)
            ? s
            : throw new ArgumentException($"Unknown balancing strategy '{name}'. Use one of: {All}.", nameof(name));
}
