using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using OpenTracy.Engine.RateLimiting;

namespace OpenTracy.Engine.Hosting;

/// <summary>Marker key for the limiter shard region in the actor registry.</summary>
public sealed class LimiterRegion;

/// <summary>Cluster-wide rate limiting: the sharded <see cref="ProviderKeyLimiter"/> entities and this node's <see cref="PermitCache"/>.</summary>
public static class OpenTracyRateLimitingExtensions
{
    public const string LimiterTypeName = "provider-key-limiter";

    /// <summary>
    /// Starts the limiter shard region (DData state store: no journal needed; remember-entities off: a
    /// limiter is re-created by the next lease request, empty) and the node-local permit cache, and hands
    /// the cache to <paramref name="limits"/>. The shard count comes from <c>opentracy.rate-limiting.shards</c>.
    /// </summary>
    /// <para>
    /// <paramref name="readiness"/> turns ready once the region has registered with the shard coordinator
    /// (<see cref="LimiterReadinessProbe"/>); the node's readiness check waits for it.
    /// </para>
    public static AkkaConfigurationBuilder WithOpenTracyRateLimiting(this AkkaConfigurationBuilder builder, RateLimits limits, LimiterReadiness readiness)
    {
        var settings = limits.Settings;
        return builder
            .WithShardRegion<LimiterRegion>(
                LimiterTypeName,
                entityId => ProviderKeyLimiter.Props(entityId, settings),
                new LimiterMessageExtractor(settings.Shards),
                new ShardOptions { StateStoreMode = StateStoreMode.DData, RememberEntities = false })
            .WithActors((system, registry) =>
            {
                var region = registry.Get<LimiterRegion>();
                var cache = system.ActorOf(PermitCache.Props(region, settings), PermitCache.Name);
                registry.Register<PermitCache>(cache);
                limits.Cache = cache;
                system.ActorOf(LimiterReadinessProbe.Props(region, readiness, settings.ReadinessProbeInterval), LimiterReadinessProbe.Name);
            });
    }
}
