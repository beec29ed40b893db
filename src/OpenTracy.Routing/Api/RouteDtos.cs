using System.Text.Json.Serialization;
using OpenTracy.Routing.Scoring;

namespace OpenTracy.Routing.Api;

/// <summary><c>POST /v1/route</c> body (§7.1): a prompt or a precomputed embedding.</summary>
public sealed record RouteRequest
{
    [JsonPropertyName("prompt")] public string? Prompt { get; init; }
    [JsonPropertyName("embedding")] public float[]? Embedding { get; init; }
    [JsonPropertyName("available_models")] public string[]? AvailableModels { get; init; }
    [JsonPropertyName("cost_weight")] public double? CostWeight { get; init; }
}

/// <summary><c>POST /v1/route</c> answer (§7.2), a flat object.</summary>
public sealed record RouteResponse
{
    [JsonPropertyName("selected_model")] public required string SelectedModel { get; init; }
    [JsonPropertyName("expected_error")] public required double ExpectedError { get; init; }
    [JsonPropertyName("cost_adjusted_score")] public required double CostAdjustedScore { get; init; }
    [JsonPropertyName("all_scores")] public required IReadOnlyDictionary<string, double> AllScores { get; init; }
    [JsonPropertyName("cluster_id")] public required int ClusterId { get; init; }
    [JsonPropertyName("cluster_probabilities")] public required IReadOnlyList<double> ClusterProbabilities { get; init; }

    /// <summary>Omitted when empty.</summary>
    [JsonPropertyName("reasoning")] public string? Reasoning { get; init; }

    [JsonPropertyName("cache_hit")] public required bool CacheHit { get; init; }
    [JsonPropertyName("usage")] public required RouteUsage Usage { get; init; }

    public static RouteResponse From(RoutingDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new RouteResponse
        {
            SelectedModel = decision.SelectedModel,
            ExpectedError = decision.ExpectedError,
            CostAdjustedScore = decision.CostAdjustedScore,
            AllScores = new SortedDictionary<string, double>(decision.AllScores.ToDictionary(), StringComparer.Ordinal),
            ClusterId = decision.ClusterId,
            ClusterProbabilities = decision.ClusterProbabilities,
            Reasoning = string.IsNullOrEmpty(decision.Reasoning) ? null : decision.Reasoning,
            CacheHit = decision.CacheHit,
            Usage = new RouteUsage
            {
                RoutingMs = decision.RoutingMs,
                EmbeddingMs = decision.EmbeddingMs > 0 ? decision.EmbeddingMs : null,
            },
        };
    }
}

/// <summary>Timings of a route call; <c>embedding_ms</c> is omitted when nothing was embedded.</summary>
public sealed record RouteUsage
{
    [JsonPropertyName("routing_ms")] public required double RoutingMs { get; init; }
    [JsonPropertyName("embedding_ms")] public double? EmbeddingMs { get; init; }
}

/// <summary><c>POST /v1/weights/reload</c> body: an optional directory (else the configured one).</summary>
public sealed record WeightsReloadRequest
{
    [JsonPropertyName("weights_path")] public string? WeightsPath { get; init; }
}

/// <summary><c>POST /v1/weights/reload</c> answer (§7.1) plus the warnings of skipped profile files.</summary>
public sealed record WeightsReloadResponse
{
    public const string ReloadedMessage = "weights reloaded";

    [JsonPropertyName("message")] public string Message { get; init; } = ReloadedMessage;
    [JsonPropertyName("weights_path")] public required string WeightsPath { get; init; }
    [JsonPropertyName("old_generation")] public required long OldGeneration { get; init; }
    [JsonPropertyName("new_generation")] public required long NewGeneration { get; init; }
    [JsonPropertyName("num_clusters")] public required int NumClusters { get; init; }
    [JsonPropertyName("num_models")] public required int NumModels { get; init; }
    [JsonPropertyName("warnings")] public IReadOnlyList<string>? Warnings { get; init; }
}
