using OpenTracy.Pricing;
using OpenTracy.Balancing;
using OpenTracy.Engine.Configuration;
using OpenTracy.Engine.Errors;
using OpenTracy.Engine.RateLimiting;
using OpenTracy.Models;
using OpenTracy.Providers;
using OpenTracy.Wire;

namespace OpenTracy.Engine.Planning;

/// <summary>
/// Turns a request's model string, its body <c>fallbacks</c> and the configured model groups into
/// an ordered candidate list. Rules:
/// <list type="bullet">
/// <item>empty model or <c>auto</c> → 400 (semantic routing is not on this node);</item>
/// <item>an alias of <c>opentracy.model-groups</c> → its usable deployments in strategy order, then the group's fallbacks
/// (a deployment with its own <c>rpm</c>/<c>tpm</c> carries its <see cref="DeploymentLimit"/>);</item>
/// <item>any other string → one deployment (provider resolved by <see cref="ModelRef.TryResolveForEngine"/>);</item>
/// <item>then each body fallback, expanded the same way.</item>
/// </list>
/// Every model the client named must be usable (unknown → 404, provider without key at its public
/// URL → 400). Deployments and fallbacks from the configuration that are not usable on this node
/// are skipped, so one missing key does not break a whole group. Thread-safe; shared by all requests.
/// </summary>
public sealed class RoutePlanner
{
    private readonly OpenTracySettings _settings;
    private readonly ProviderEnvironment _environment;
    private readonly IReadOnlyDictionary<string, DeploymentBalancer> _balancers;
    private readonly IReadOnlyDictionary<string, DeploymentLimit?[]> _limits;

    public RoutePlanner(OpenTracySettings settings, ProviderEnvironment environment, PriceList prices, DeploymentStats stats, Random? random = null)
    {
        _settings = settings;
        _environment = environment;
        Stats = stats;
        // One core balancer per group (the SDK Router's ordering code); least-cost reads the engine's price list.
        double? CostOf(string model) => prices.Find(model) is { } p ? p.InputPerToken + p.OutputPerToken : null;
        var balancers = new Dictionary<string, DeploymentBalancer>(StringComparer.Ordinal);
        var limits = new Dictionary<string, DeploymentLimit?[]>(StringComparer.Ordinal);
        foreach (var group in settings.ModelGroups.Values)
        {
            if (group.Strategy == BalancingStrategy.WeightedRandom && group.Deployments.All(d => d.Weight <= 0))
                throw new Akka.Configuration.ConfigurationException($"opentracy.model-groups.{group.Alias}: weighted-random needs at least one weight > 0");
            balancers[group.Alias] = new DeploymentBalancer(group.Strategy, CostOf, random);
            // Each deployment's own limit (rpm/tpm), computed once: its entity id is the same on every node.
            limits[group.Alias] = [.. group.Deployments.Select((d, i) => ModelRef.TryResolveForEngine(d.Model, out var r)
                ? RateLimits.LimitOf(r.Provider, group.Alias, i, d)
                : null)];
        }
        _balancers = balancers;
        _limits = limits;
    }

    /// <summary>
    /// A deployment as the core balancer sees it: bare model (for prices), weight, cluster-wide stats, and (for
    /// least-busy) its requests in flight across the cluster, read once when the plan is made.
    /// </summary>
    private sealed record Balanced(Deployment Deployment, double Weight, Balancing.DeploymentStats Stats, long InFlight) : IBalancedDeployment
    {
        public string Model => Deployment.Model;
    }

    public DeploymentStats Stats { get; }

    /// <summary>The plan for a request, or the client error that prevents one.</summary>
    public PlanResult Plan(ChatRequest request)
    {
        var model = request.Model?.Trim();
        if (string.IsNullOrEmpty(model) || model == ModelRef.Auto) return EngineError.SemanticRoutingUnavailable();

        int? bodyRetries = request.NumRetries is { } n ? Math.Clamp(n, 0, _settings.Upstream.MaxNumRetries) : null;
        var candidates = new List<Candidate>();
        var primary = Expand(model, bodyRetries, candidates);
        if (primary is not null) return primary;
        foreach (var fallback in request.Fallbacks ?? [])
        {
            var error = Expand(fallback.Trim(), bodyRetries, candidates);
            if (error is not null) return error;
        }
        return new RoutePlan(model, candidates);
    }

    /// <summary>Checks one model string the way <see cref="Plan"/> would (used for readiness listings and configuration checks).</summary>
    public EngineError? Check(string model) => Resolve(model, model, null, null, out _);

    private EngineError? Expand(string model, int? bodyRetries, List<Candidate> into)
    {
        if (_settings.ModelGroups.TryGetValue(model, out var group))
            return ExpandGroup(group, bodyRetries, into);
        var error = Resolve(model, model, null, null, out var deployment);
        if (error is not null) return error;
        into.Add(new Candidate(deployment!, bodyRetries ?? _settings.Upstream.DefaultNumRetries));
        return null;
    }

    private EngineError? ExpandGroup(ModelGroupSettings group, int? bodyRetries, List<Candidate> into)
    {
        var retries = bodyRetries ?? Math.Clamp(group.NumRetries ?? _settings.Upstream.DefaultNumRetries, 0, _settings.Upstream.MaxNumRetries);
        var usable = new List<Balanced>(group.Deployments.Count);
        var limits = _limits[group.Alias];
        EngineError? firstError = null;
        for (var i = 0; i < group.Deployments.Count; i++)
        {
            var d = group.Deployments[i];
            var apiKey = d.ApiKeyEnv is null ? null : _environment.Get(d.ApiKeyEnv);
            var error = Resolve(d.Model, $"group:{group.Alias}#{i}", d.ApiBase, d.ApiKeyEnv is null ? null : apiKey ?? string.Empty, out var deployment, limits[i]);
            if (error is null) usable.Add(new Balanced(deployment!, d.Weight,
                group.Strategy == BalancingStrategy.LowestLatency ? Stats.ClusterWide(deployment!.StatsKey) : Stats.Local(deployment!.StatsKey),
                group.Strategy == BalancingStrategy.LeastBusy ? Stats.InFlightClusterWide(deployment!.StatsKey) : 0));
            else firstError ??= error;
        }
        if (usable.Count == 0) return firstError;
        foreach (var balanced in _balancers[group.Alias].Order(group.Alias, usable))
            into.Add(new Candidate(balanced.Deployment, retries));
        foreach (var fallback in group.Fallbacks)
        {
            // Configured fallbacks are best effort: one that is not usable on this node is skipped.
            if (Resolve(fallback, fallback, null, null, out var deployment) is null)
                into.Add(new Candidate(deployment!, retries));
        }
        return null;
    }

    /// <param name="apiKey">null = the provider's usual key variable; empty = this deployment's own variable is unset (no key).</param>
    /// <param name="limit">A model-group deployment's own limit (null = none).</param>
    private EngineError? Resolve(string model, string statsKey, string? apiBase, string? apiKey, out Deployment? deployment, DeploymentLimit? limit = null)
    {
        deployment = null;
        if (model.Length == 0 || model == ModelRef.Auto) return EngineError.SemanticRoutingUnavailable();
        if (!ModelRef.TryResolveForEngine(model, out var modelRef) || !ProviderCatalog.TryGet(modelRef.Provider, out var provider))
            return EngineError.UnknownModel(model);
        var endpoint = apiKey is { Length: 0 }
            ? new ProviderEndpoint(provider, _environment.Endpoint(provider, apiBase).BaseUrl, ProviderCredentials.None)
            : _environment.Endpoint(provider, apiBase, apiKey);
        var baseOverridden = !string.IsNullOrEmpty(apiBase) || _environment.Get(provider.BaseUrlEnvVar) is not null;
        // A keyless call may only go to a base URL someone configured (a local server, the mock); never to the public endpoint.
        if (endpoint.BaseUrl.Length == 0 || (!endpoint.Credentials.IsPresent && !baseOverridden))
            return EngineError.NotConfigured(provider.Name, model);
        deployment = new Deployment(model, endpoint, modelRef.Model, statsKey == model ? $"model:{model}@{endpoint.BaseUrl}" : statsKey, limit);
        return null;
    }
}

/// <summary>A plan or the error that prevents one.</summary>
public readonly struct PlanResult
{
    private PlanResult(RoutePlan? plan, EngineError? error)
    {
        Plan = plan;
        Error = error;
    }

    public RoutePlan? Plan { get; }
    public EngineError? Error { get; }

    public static implicit operator PlanResult(RoutePlan plan) => new(plan, null);
    public static implicit operator PlanResult(EngineError error) => new(null, error);
}
