using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using OpenTracy.Engine.Configuration;
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
    /// The limiter entity id of a model-group deployment's own limit: provider + "dep" + a short one-way hash of
    /// where the deployment is configured (group, position, model, base URL, key VARIABLE name), never a key.
    /// Every node with the same configuration computes the same id, so the limit is cluster-wide.
    /// </summary>
    public static string DeploymentEntityId(string provider, string alias, int index, DeploymentSettings deployment)
    {
        var identity = $"{alias}\n{index}\n{deployment.Model}\n{deployment.ApiBase}\n{deployment.ApiKeyEnv}";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)), 0, 6);
        return $"{provider}-dep-{hash}";
    }

    /// <summary>A model-group deployment's own limit, or null when it sets neither rpm nor tpm.</summary>
    public static DeploymentLimit? LimitOf(string provider, string alias, int index, DeploymentSettings deployment)
        => deployment.IsLimited
            ? new DeploymentLimit(DeploymentEntityId(provider, alias, index, deployment),
                new LimitSpec(deployment.Rpm, deployment.Tpm, deployment.Burst), deployment.MaxWait)
            : null;

    /// <summary>
    /// How a call to <paramref name="deployment"/> gets its permits, or null when neither its provider nor the
    /// deployment itself is limited. A deployment with both a provider-key limit and its own limit must hold a
    /// permit from each (the deployment's first). Only the last candidate of a plan waits (up to max-wait);
    /// earlier ones move on to the next at once.
    /// </summary>
    public PermitPolicy? PolicyFor(Deployment deployment, bool lastCandidate)
    {
        var keyLimited = Settings.Providers.TryGetValue(deployment.ProviderName, out var limit);
        var own = deployment.Limit;
        if (!keyLimited && own is null) return null;
        var cache = Cache;
        if (cache.IsNobody()) return null;
        PermitPolicy? keyPolicy = keyLimited
            ? new PermitPolicy(EntityId(deployment), limit!.Limit, lastCandidate ? limit.MaxWait : TimeSpan.Zero, cache)
            : null;
        if (own is null) return keyPolicy;
        return new PermitPolicy(own.EntityId, own.Limit, lastCandidate ? own.MaxWait : TimeSpan.Zero, cache)
        {
            Subject = $"deployment {deployment.DisplayName}",
            And = keyPolicy,
        };
    }
}
