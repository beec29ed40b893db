using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenTracy.Routing.Profiles;

/// <summary>The JSON shape of <c>profiles/&lt;model&gt;.json</c>; unknown keys are ignored on read.</summary>
public sealed record ProfileDocument
{
    [JsonPropertyName("model_id")] public string? ModelId { get; init; }
    [JsonPropertyName("psi_vector")] public double[]? PsiVector { get; init; }
    [JsonPropertyName("cost_per_1k_tokens")] public double CostPer1kTokens { get; init; }
    [JsonPropertyName("num_validation_samples")] public int NumValidationSamples { get; init; }
    [JsonPropertyName("cluster_sample_counts")] public double[]? ClusterSampleCounts { get; init; }
    [JsonPropertyName("metadata")] public JsonElement? Metadata { get; init; }
    [JsonPropertyName("_stats")] public ProfileStats? Stats { get; init; }

    public static ProfileDocument From(ModelProfile profile) => new()
    {
        ModelId = profile.ModelId,
        PsiVector = [.. profile.PsiVector],
        CostPer1kTokens = profile.CostPer1kTokens,
        NumValidationSamples = profile.NumValidationSamples,
        ClusterSampleCounts = [.. profile.ClusterSampleCounts],
        Metadata = profile.Metadata,
        Stats = new ProfileStats
        {
            NumClusters = profile.NumClusters,
            OverallErrorRate = profile.OverallError,
            OverallAccuracy = profile.OverallAccuracy,
        },
    };
}

/// <summary>Informational summary written next to the profile (<c>_stats</c>); not read back.</summary>
public sealed record ProfileStats
{
    [JsonPropertyName("num_clusters")] public int NumClusters { get; init; }
    [JsonPropertyName("overall_error_rate")] public double OverallErrorRate { get; init; }
    [JsonPropertyName("overall_accuracy")] public double OverallAccuracy { get; init; }
}
