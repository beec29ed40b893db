using OpenTracy.Routing.Caching;

namespace OpenTracy.Routing;

/// <summary>Settings of the semantic router (the engine binds them from HOCON <c>opentracy.routing</c>).</summary>
public sealed record SemanticRouterOptions
{
    /// <summary>Weights directory loaded at start and by a reload without a path; null = none configured.</summary>
    public string? WeightsPath { get; init; }

    /// <summary>λ when a request gives none (reference default 0: cost ignored).</summary>
    public double DefaultCostWeight { get; init; }

    /// <summary>Candidate models when a request gives none; null or empty = every profile.</summary>
    public IReadOnlyList<string>? AllowedModels { get; init; }

    /// <summary>Φ = the assigner's probabilities (true) or one-hot on the assigned cluster (false).</summary>
    public bool SoftAssignment { get; init; } = true;

    public RouteCacheOptions Cache { get; init; } = new();
}
