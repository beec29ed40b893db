using OpenTracy.Engine.Configuration;
using OpenTracy.Engine.Planning;
using OpenTracy.Engine.RateLimiting;
using OpenTracy.Pricing;
using OpenTracy.Providers;

namespace OpenTracy.Engine.Requests;

/// <summary>What request actors need from their node: settings, the planner, provider clients and prices. Thread-safe, shared.</summary>
/// <param name="RateLimits">Cluster-wide rate limits (null = none: single-process tests without sharding).</param>
/// <param name="Clients">The client for a provider's wire format (production: <see cref="ProviderClients.For(ProviderInfo)"/>).</param>
public sealed record EngineServices(
    OpenTracySettings Settings,
    RoutePlanner Planner,
    Func<ProviderInfo, IProviderClient> Clients,
    PriceList Prices,
    RateLimits? RateLimits = null);
