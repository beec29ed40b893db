using System.Text.Json;

namespace OpenTracy.Routing.Profiles;

/// <summary>
/// One model's routing profile (§8.2): Ψ, the per-cluster error rate, and its cost per 1 000 tokens.
/// Immutable.
/// </summary>
public sealed class ModelProfile
{
    public ModelProfile(string modelId, IReadOnlyList<double> psiVector, double costPer1kTokens,
        int numValidationSamples = 0, IReadOnlyList<double>? clusterSampleCounts = null, JsonElement? metadata = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(psiVector);
        if (psiVector.Count == 0) throw new ArgumentException("psi_vector is empty", nameof(psiVector));
        if (psiVector.Any(v => !double.IsFinite(v))) throw new ArgumentException("psi_vector has a non-finite value", nameof(psiVector));
        if (!double.IsFinite(costPer1kTokens) || costPer1kTokens < 0)
            throw new ArgumentOutOfRangeException(nameof(costPer1kTokens), "cost_per_1k_tokens must be a non-negative number");
        var counts = clusterSampleCounts?.ToArray() ?? [];
        if (counts.Length != 0 && counts.Length != psiVector.Count)
            throw new ArgumentException($"cluster_sample_counts has {counts.Length} entries, psi_vector {psiVector.Count}", nameof(clusterSampleCounts));

        ModelId = modelId;
        PsiVector = psiVector.ToArray();
        CostPer1kTokens = costPer1kTokens;
        NumValidationSamples = numValidationSamples;
        ClusterSampleCounts = counts;
        Metadata = metadata?.Clone();
        OverallError = ComputeOverallError(PsiVector, counts);
    }

    public string ModelId { get; }

    /// <summary>Ψ: expected error rate per cluster (length K).</summary>
    public IReadOnlyList<double> PsiVector { get; }

    public double CostPer1kTokens { get; }

    public int NumValidationSamples { get; }

    /// <summary>Validation samples per cluster (empty when the file had none).</summary>
    public IReadOnlyList<double> ClusterSampleCounts { get; }

    public JsonElement? Metadata { get; }

    /// <summary>Σψ_k·n_k / Σn_k (0 when there are no sample counts).</summary>
    public double OverallError { get; }

    public double OverallAccuracy => 1.0 - OverallError;

    public int NumClusters => PsiVector.Count;

    /// <summary>γ(x, h) = Σ_k Φ_k·Ψ_k.</summary>
    public double ExpectedError(IReadOnlyList<double> phi)
    {
        var n = Math.Min(phi.Count, PsiVector.Count);
        var sum = 0.0;
        for (var k = 0; k < n; k++) sum += phi[k] * PsiVector[k];
        return sum;
    }

    private static double ComputeOverallError(IReadOnlyList<double> psi, IReadOnlyList<double> counts)
    {
        double weighted = 0, total = 0;
        for (var k = 0; k < counts.Count; k++)
        {
            weighted += psi[k] * counts[k];
            total += counts[k];
        }
        return total > 0 ? weighted / total : 0.0;
    }

    public override string ToString() => $"{ModelId} (K={NumClusters}, cost/1k={CostPer1kTokens})";
}
