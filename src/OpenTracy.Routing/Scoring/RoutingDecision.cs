namespace OpenTracy.Routing.Scoring;

/// <summary>One candidate's score: expected error Σ_k Φ_k·Ψ_k plus λ × cost per 1k tokens.</summary>
public sealed record ModelScore(string ModelId, double ExpectedError, double CostPer1kTokens, double CostTerm, double Score);

/// <summary>
/// The outcome of routing one prompt or embedding (§7.2). Immutable: a cached decision is shared, and a
/// cache hit is a copy with <see cref="CacheHit"/> and the timings replaced.
/// </summary>
public sealed record RoutingDecision
{
    public required string SelectedModel { get; init; }

    /// <summary>Σ_k Φ_k·Ψ_k of the selected model.</summary>
    public required double ExpectedError { get; init; }

    /// <summary>The selected model's score (expected error + λ·cost).</summary>
    public required double CostAdjustedScore { get; init; }

    /// <summary>Score of every candidate by model id.</summary>
    public required IReadOnlyDictionary<string, double> AllScores { get; init; }

    /// <summary>Candidates in ranking order: score, then cost, then model id (the winner first).</summary>
    public required IReadOnlyList<ModelScore> Ranking { get; init; }

    public required int ClusterId { get; init; }

    /// <summary>Φ(x) over the K clusters.</summary>
    public required IReadOnlyList<double> ClusterProbabilities { get; init; }

    /// <summary>λ used for this decision.</summary>
    public required double CostWeight { get; init; }

    /// <summary>Human-readable explanation in the reference's layout (§7.2).</summary>
    public required string Reasoning { get; init; }

    /// <summary>Generation of the weights snapshot the decision was computed from.</summary>
    public long WeightsGeneration { get; init; }

    /// <summary>True only when a prompt decision was served from the route cache.</summary>
    public bool CacheHit { get; init; }

    /// <summary>Total routing time for this request, milliseconds.</summary>
    public double RoutingMs { get; init; }

    /// <summary>Time spent embedding the prompt, milliseconds (0 for an embedding input or a cache hit).</summary>
    public double EmbeddingMs { get; init; }
}
