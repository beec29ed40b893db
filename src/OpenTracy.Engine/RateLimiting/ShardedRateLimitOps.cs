using Akka.Actor;
using Akka.Hosting;
using OpenTracy.Engine.Configuration;
using OpenTracy.Engine.Hosting;
using OpenTracy.Engine.Ops;
using OpenTracy.Providers;

namespace OpenTracy.Engine.RateLimiting;

/// <summary>
/// <c>tracy ratelimit show|reset</c> against the sharded limiter entities, wherever in the cluster they live.
/// The limited keys are the ones this node can name: each limited provider's key from the environment and
/// the keys of model-group deployments (<c>api-key-env</c>), plus the model-group deployments with a limit of
/// their own (<c>rpm</c>/<c>tpm</c>). Entity ids are provider + key fingerprint or deployment hash, so
/// nothing here ever holds or prints a key.
/// </summary>
public sealed class ShardedRateLimitOps(RateLimits limits, OpenTracySettings settings, ProviderEnvironment environment,
    IRequiredActor<LimiterRegion> region) : IRateLimitOps
{
    /// <summary>How long one entity may take to answer (it may be starting on another node).</summary>
    public static readonly TimeSpan EntityTimeout = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<RateLimitState>> ShowAsync(string? provider, CancellationToken cancellationToken)
    {
        var shards = await region.GetAsync(cancellationToken).ConfigureAwait(false);
        var states = new List<RateLimitState>();
        foreach (var (entityId, name) in Limited(provider))
        {
            var report = await shards.Ask<LimiterStateReport>(new GetLimiterState(entityId), EntityTimeout, cancellationToken).ConfigureAwait(false);
            states.Add(new RateLimitState(entityId, name, report.RequestsLeft ?? double.NaN, report.TokensLeft ?? double.NaN,
                report.CooldownMs > 0 ? TimeSpan.FromMilliseconds(report.CooldownMs) : null, report.LeaseHolders));
        }
        return states;
    }

    public async Task<bool> ResetAsync(string provider, CancellationToken cancellationToken)
    {
        var entities = Limited(provider).ToList();
        if (entities.Count == 0) return false;
        var shards = await region.GetAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (entityId, _) in entities)
            await shards.Ask<LimiterWasReset>(new ResetLimiter(entityId), EntityTimeout, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>(entity id, provider) of every limited key this node knows, optionally of one provider.</summary>
    private IEnumerable<(string EntityId, string Provider)> Limited(string? only)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in limits.Settings.Providers.Keys.Order(StringComparer.Ordinal))
        {
            if (only is not null && !string.Equals(only, name, StringComparison.Ordinal)) continue;
            if (ProviderCatalog.Find(name) is not { } info) continue;
            var fingerprints = new List<string> { environment.Credentials(info).Fingerprint };
            foreach (var group in settings.ModelGroups.Values)
                foreach (var d in group.Deployments)
                    if (d.ApiKeyEnv is { } variable && d.Model.StartsWith(name + "/", StringComparison.Ordinal)
                        && environment.Get(variable) is { } key)
                        fingerprints.Add(new ProviderCredentials(new Secret(key)).Fingerprint);
            foreach (var fingerprint in fingerprints)
            {
                var id = $"{name}-{fingerprint}";
                if (seen.Add(id)) yield return (id, name);
            }
        }
        // Model-group deployments with their own limit (rpm / tpm), listed under their provider.
        foreach (var group in settings.ModelGroups.Values.OrderBy(g => g.Alias, StringComparer.Ordinal))
            for (var i = 0; i < group.Deployments.Count; i++)
            {
                var d = group.Deployments[i];
                if (!d.IsLimited || !OpenTracy.Models.ModelRef.TryResolveForEngine(d.Model, out var model)) continue;
                if (only is not null && !string.Equals(only, model.Provider, StringComparison.Ordinal)) continue;
                var id = RateLimits.DeploymentEntityId(model.Provider, group.Alias, i, d);
                if (seen.Add(id)) yield return (id, model.Provider);
            }
    }
}
