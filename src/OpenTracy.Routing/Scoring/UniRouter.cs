using OpenTracy.Routing.Clustering;
using OpenTracy.Routing.Profiles;
using OpenTracy.Routing.Weights;

namespace OpenTracy.Routing.Scoring;

/// <summary>
/// The UniRoute decision (§8.1 steps 4–6): h* = argmin_h Σ_k Φ_k(x)·Ψ_k(h) + λ·c(h). Ties are broken
/// deterministically (§13.9): lower cost per 1k tokens, then the model id in ordinal order. Pure and
/// thread-safe.
/// </summary>
public static class UniRouter
{
    /// <summary>Ranking order: score, then cost, then model id.</summary>
    public static readonly IComparer<ModelScore> RankingOrder = Comparer<ModelScore>.Create((a, b) =>
    {
        var byScore = a.Score.CompareTo(b.Score);
        if (byScore != 0) return byScore;
        var byCost = a.CostPer1kTokens.CompareTo(b.CostPer1kTokens);
        return byCost != 0 ? byCost : string.CompareOrdinal(a.ModelId, b.ModelId);
    });

    /// <summary>Routes an embedding: cluster assignment, then scoring.</summary>
    public static RoutingDecision Route(RoutingWeights weights, ReadOnlySpan<float> embedding, double costWeight,
        IReadOnlyCollection<string>? candidates = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return Decide(weights, weights.Assigner.Assign(embedding), costWeight, candidates);
    }

    /// <summary>
    /// Scores the candidates for a cluster assignment. <paramref name="candidates"/> null or empty means every
    /// profile; unknown ids are ignored; no known id left → <see cref="RoutingErrors.NoModelsAvailable"/>.
    /// </summary>
    public static RoutingDecision Decide(RoutingWeights weights, ClusterAssignment assignment, double costWeight,
        IReadOnlyCollection<string>? candidates = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(assignment);
        if (!double.IsFinite(costWeight))
            throw new RoutingException(RoutingErrorKind.InvalidRequest, "cost_weight must be a finite number");

        var profiles = SelectCandidates(weights, candidates);
        if (profiles.Count == 0) throw new RoutingException(RoutingErrorKind.NoModels, RoutingErrors.NoModelsAvailable);

        var phi = assignment.Probabilities;
        var ranking = new ModelScore[profiles.Count];
        for (var i = 0; i < ranking.Length; i++)
        {
            var p = profiles[i];
            var error = p.ExpectedError(phi);
            var costTerm = costWeight * p.CostPer1kTokens;
            ranking[i] = new ModelScore(p.ModelId, error, p.CostPer1kTokens, costTerm, error + costTerm);
        }
        Array.Sort(ranking, RankingOrder);
        var best = ranking[0];
        return new RoutingDecision
        {
            SelectedModel = best.ModelId,
            ExpectedError = best.ExpectedError,
            CostAdjustedScore = best.Score,
            AllScores = ranking.ToDictionary(s => s.ModelId, s => s.Score, StringComparer.Ordinal),
            Ranking = ranking,
            ClusterId = assignment.ClusterId,
            ClusterProbabilities = assignment.Probabilities,
            CostWeight = costWeight,
            Reasoning = ReasoningText.Build(assignment.ClusterId, assignment.Confidence, costWeight, ranking, best.ModelId),
            WeightsGeneration = weights.Generation,
        };
    }

    private static List<ModelProfile> SelectCandidates(RoutingWeights weights, IReadOnlyCollection<string>? candidates)
    {
        if (candidates is null || candidates.Count == 0) return [.. weights.Profiles];
        var chosen = new List<ModelProfile>(candidates.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in candidates)
        {
            if (id is not null && seen.Add(id) && weights.TryGetProfile(id, out var profile)) chosen.Add(profile);
        }
        return chosen;
    }
}
