using Akka.Configuration;
using OpenTracy.Engine.Configuration;

namespace OpenTracy.Engine.RateLimiting;

/// <summary>A limit as it travels to the limiter entity: requests/min, tokens/min (0 = none), burst.</summary>
public sealed record LimitSpec(double RequestsPerMinute, double TokensPerMinute, int Burst);

/// <summary>
/// A model-group deployment's own limit (<c>rpm</c>, <c>tpm</c>, <c>burst</c>, <c>max-wait</c> of the deployment entry).
/// <paramref name="EntityId"/>: its limiter entity, provider + a short hash of the deployment's identity, never a key.
/// </summary>
public sealed record DeploymentLimit(string EntityId, LimitSpec Limit, TimeSpan MaxWait);

/// <summary><c>opentracy.rate-limits.&lt;provider&gt;</c>: the limit of every key of that provider, and how long a request may wait for a permit.</summary>
public sealed record ProviderRateLimit(string Provider, LimitSpec Limit, TimeSpan MaxWait);

/// <summary>
/// <c>opentracy.rate-limits</c> (per provider) and <c>opentracy.rate-limiting</c> (how permits are leased).
/// hocon/opentracy.conf documents every setting.
/// </summary>
public sealed record RateLimitSettings(
    IReadOnlyDictionary<string, ProviderRateLimit> Providers,
    int Shards,
    int LeaseBatch,
    TimeSpan LeaseHorizon,
    TimeSpan LeaseTtl,
    TimeSpan LeaseTimeout,
    TimeSpan Tick,
    TimeSpan HolderTtl,
    TimeSpan MinWait,
    TimeSpan ReadinessProbeInterval)
{
    public const string LimitsPath = "opentracy.rate-limits";
    public const string LeasingPath = "opentracy.rate-limiting";

    public static RateLimitSettings FromConfig(Config config)
    {
        var providers = new Dictionary<string, ProviderRateLimit>(StringComparer.Ordinal);
        if (config.HasPath(LimitsPath) && config.GetValue(LimitsPath) is { IsEmpty: false } limits && limits.IsObject())
        {
            foreach (var (provider, value) in limits.GetObject().Items)
            {
                if (!value.IsObject()) throw new ConfigurationException($"{LimitsPath}.{provider} must be an object");
                var c = value.ToConfig();
                var rpm = c.GetDouble("requests-per-minute", 0);
                var tpm = c.GetDouble("tokens-per-minute", 0);
                var burst = c.GetInt("burst", 1);
                if (rpm < 0 || tpm < 0 || burst < 1)
                    throw new ConfigurationException($"{LimitsPath}.{provider}: requests-per-minute and tokens-per-minute must be ≥ 0, burst ≥ 1");
                if (rpm == 0 && tpm == 0) continue;
                var maxWait = c.HasPath("max-wait") ? c.GetTimeSpan("max-wait", allowInfinite: false) : TimeSpan.Zero;
                providers[provider] = new ProviderRateLimit(provider, new LimitSpec(rpm, tpm, burst), maxWait);
            }
        }
        if (!config.HasPath(LeasingPath)) throw new ConfigurationException($"missing '{LeasingPath}' section (load hocon/opentracy.conf first)");
        var l = config.GetConfig(LeasingPath);
        var shards = OpenTracySettings.RequireInt(l, "shards");
        var batch = OpenTracySettings.RequireInt(l, "lease-batch");
        if (shards < 1 || batch < 1) throw new ConfigurationException($"{LeasingPath}: shards and lease-batch must be ≥ 1");
        return new RateLimitSettings(providers, shards, batch,
            OpenTracySettings.RequireTimeSpan(l, "lease-horizon"),
            OpenTracySettings.RequireTimeSpan(l, "lease-ttl"),
            OpenTracySettings.RequireTimeSpan(l, "lease-timeout"),
            OpenTracySettings.RequireTimeSpan(l, "tick"),
            OpenTracySettings.RequireTimeSpan(l, "holder-ttl"),
            OpenTracySettings.RequireTimeSpan(l, "min-wait"),
            OpenTracySettings.RequireTimeSpan(l, "readiness-probe-interval"));
    }
}
