using Akka.Actor;
using OpenTracy.Engine.Planning;

namespace OpenTracy.Engine.RateLimiting;

/// <summary>
/// The node's view of rate limiting for request actors: which deployments are limited and where the
/// node-local <see cref="PermitCache"/> lives. Thread-safe; one per node.
/// </summary>
public sealed class RateLimits(RateLimitSettings settings)
{
    private IActorRef _cache = ActorRefs.Nobody;

    public RateLimitSettings Settings { get; } = settings;

    /// <summary>The node-local permit cache; set once when the actor system starts.</summary>
    public IActorRef Cache
    {
        get => Volatile.Read(ref _cache);
        set => Volatile.Write(ref _cache, value);
    }

    /// <summary>The limiter entity id of a deployment's key: provider + a short one-way hash of the key, never the key.</summary>
    public static string EntityId(Deployment deployment) => $"{deployment.ProviderName}-{deployment.Endpoint.Credentials.Fingerprint}";

    /// <summary>
    /// How a call to <paramref name="deployment"/> gets its permit, or null when its provider has no limit.
    /// Only the last candidate of a plan waits (up to max-wait); earlier ones move on to the next at once.
    /// </summary>
    public PermitPolicy? PolicyFor(Deployment deployment, bool lastCandidate)
    {
        if (!Settings.Providers.TryGetValue(deployment.ProviderName, out var limit)) return null;
        var cache = Cache;
        if (cache.IsNobody()) return null;
        return new PermitPolicy(EntityId(deployment), limit.Limit, lastCandidate ? limit.MaxWait : TimeSpan.Zero, cache);
    }
}
