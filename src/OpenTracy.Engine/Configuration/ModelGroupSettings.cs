using Akka.Configuration;
using OpenTracy.Balancing;

namespace OpenTracy.Engine.Configuration;

/// <summary>One deployment of a model group: a <c>provider/model</c> with its own key variable, base URL and weight.</summary>
/// <param name="Model">Model string as a client would write it (<c>openai/gpt-4o-mini</c>).</param>
/// <param name="ApiKeyEnv">Environment variable with this deployment's key; null = the provider's usual variable.</param>
/// <param name="ApiBase">Base URL override; null = the provider's base URL (environment or public default).</param>
/// <param name="Weight">Relative weight for weighted-random.</param>
/// <param name="Rpm">Requests per minute for this deployment, cluster-wide (0 = no requests/min limit).</param>
/// <param name="Tpm">Tokens per minute for this deployment, cluster-wide (0 = no tokens/min limit).</param>
/// <param name="Burst">Most requests admitted at once (the requests bucket's capacity).</param>
/// <param name="MaxWait">How long a request may wait for this deployment's permit when it is the plan's last candidate.</param>
public sealed record DeploymentSettings(string Model, string? ApiKeyEnv, string? ApiBase, double Weight, int Rpm,
    double Tpm = 0, int Burst = 1, TimeSpan MaxWait = default)
{
    /// <summary>Whether this deployment has its own cluster-wide limit (rpm or tpm set).</summary>
    public bool IsLimited => Rpm > 0 || Tpm > 0;
}

/// <summary><c>opentracy.model-groups.&lt;alias&gt;</c>: an alias served by several deployments, planned by a strategy.</summary>
public sealed record ModelGroupSettings(
    string Alias,
    BalancingStrategy Strategy,
    IReadOnlyList<DeploymentSettings> Deployments,
    IReadOnlyList<string> Fallbacks,
    int? NumRetries)
{
    public const double DefaultWeight = 1.0;

    public static IReadOnlyDictionary<string, ModelGroupSettings> AllFromConfig(Config opentracy)
    {
        var result = new Dictionary<string, ModelGroupSettings>(StringComparer.Ordinal);
        if (!opentracy.HasPath("model-groups")) return result;
        var groups = opentracy.GetValue("model-groups");
        if (groups is null || groups.IsEmpty || !groups.IsObject()) return result;
        foreach (var (alias, value) in groups.GetObject().Items)
        {
            if (!value.IsObject()) throw new ConfigurationException($"opentracy.model-groups.{alias} must be an object");
            result[alias] = FromConfig(alias, value.ToConfig());
        }
        return result;
    }

    public static ModelGroupSettings FromConfig(string alias, Config c)
    {
        var deployments = new List<DeploymentSettings>();
        if (c.HasPath("deployments"))
        {
            foreach (var d in c.GetValue("deployments").GetArray())
            {
                if (!d.IsObject()) throw new ConfigurationException($"opentracy.model-groups.{alias}.deployments: each entry must be an object");
                var dc = d.ToConfig();
                var model = dc.GetString("model");
                if (string.IsNullOrWhiteSpace(model)) throw new ConfigurationException($"opentracy.model-groups.{alias}: a deployment has no 'model'");
                var weight = dc.HasPath("weight") ? dc.GetDouble("weight") : DefaultWeight;
                if (weight < 0) throw new ConfigurationException($"opentracy.model-groups.{alias}: weight must be ≥ 0");
                var rpm = dc.GetInt("rpm", 0);
                var tpm = dc.GetDouble("tpm", 0);
                var burst = dc.GetInt("burst", 1);
                if (rpm < 0 || tpm < 0 || burst < 1)
                    throw new ConfigurationException($"opentracy.model-groups.{alias}: a deployment's rpm and tpm must be ≥ 0, burst ≥ 1");
                var maxWait = dc.HasPath("max-wait") ? dc.GetTimeSpan("max-wait", allowInfinite: false) : TimeSpan.Zero;
                deployments.Add(new DeploymentSettings(model, NullIfEmpty(dc.GetString("api-key-env")), NullIfEmpty(dc.GetString("api-base")), weight,
                    rpm, tpm, burst, maxWait));
            }
        }
        if (deployments.Count == 0) throw new ConfigurationException($"opentracy.model-groups.{alias} has no deployments");
        IReadOnlyList<string> fallbacks = c.HasPath("fallbacks") ? [.. c.GetStringList("fallbacks")] : [];
        int? numRetries = c.HasPath("num-retries") ? c.GetInt("num-retries") : null;
        return new ModelGroupSettings(alias, ParseStrategy(alias, c.GetString("strategy", "round-robin")), deployments, fallbacks, numRetries);
    }

    /// <summary>A group's <c>strategy</c>: one of the core balancer's names (the SDK Router's strategies, least-busy included).</summary>
    public static BalancingStrategy ParseStrategy(string alias, string value)
        => BalancingStrategyNames.TryParse(value, out var strategy)
            ? strategy
            : throw new ConfigurationException(
                $"opentracy.model-groups.{alias}.strategy = '{value}': use one of {BalancingStrategyNames.All}");

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
