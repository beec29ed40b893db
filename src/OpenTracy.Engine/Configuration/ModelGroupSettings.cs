using Akka.Configuration;

namespace OpenTracy.Engine.Configuration;

/// <summary>How a model group orders its deployments for one request (the SDK Router's strategies).</summary>
public enum RoutingStrategy
{
    RoundRobin,
    LeastCost,
    LowestLatency,
    WeightedRandom,
}

/// <summary>One deployment of a model group: a <c>provider/model</c> with its own key variable, base URL and weight.</summary>
/// <param name="Model">Model string as a client would write it (<c>openai/gpt-4o-mini</c>).</param>
/// <param name="ApiKeyEnv">Environment variable with this deployment's key; null = the provider's usual variable.</param>
/// <param name="ApiBase">Base URL override; null = the provider's base URL (environment or public default).</param>
/// <param name="Weight">Relative weight for weighted-random.</param>
/// <param name="Rpm">Requests per minute for this deployment (0 = unlimited); read now, enforced by the rate limiter.</param>
public sealed record DeploymentSettings(string Model, string? ApiKeyEnv, string? ApiBase, double Weight, int Rpm);

/// <summary><c>opentracy.model-groups.&lt;alias&gt;</c>: an alias served by several deployments, planned by a strategy.</summary>
public sealed record ModelGroupSettings(
    string Alias,
    RoutingStrategy Strategy,
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
                deployments.Add(new DeploymentSettings(model, NullIfEmpty(dc.GetString("api-key-env")), NullIfEmpty(dc.GetString("api-base")), weight, dc.GetInt("rpm")));
            }
        }
        if (deployments.Count == 0) throw new ConfigurationException($"opentracy.model-groups.{alias} has no deployments");
        IReadOnlyList<string> fallbacks = c.HasPath("fallbacks") ? [.. c.GetStringList("fallbacks")] : [];
        int? numRetries = c.HasPath("num-retries") ? c.GetInt("num-retries") : null;
        return new ModelGroupSettings(alias, ParseStrategy(alias, c.GetString("strategy", "round-robin")), deployments, fallbacks, numRetries);
    }

    public static RoutingStrategy ParseStrategy(string alias, string value) => value switch
    {
        "round-robin" => RoutingStrategy.RoundRobin,
        "least-cost" => RoutingStrategy.LeastCost,
        "lowest-latency" => RoutingStrategy.LowestLatency,
        "weighted-random" => RoutingStrategy.WeightedRandom,
        _ => throw new ConfigurationException(
            $"opentracy.model-groups.{alias}.strategy = '{value}': use round-robin, least-cost, lowest-latency or weighted-random"),
    };

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
