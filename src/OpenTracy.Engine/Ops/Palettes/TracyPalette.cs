using System.Globalization;
using Akka.Actor;
using Akka.Hosting;
using OpenTracy.Engine.Configuration;
using OpenTracy.Engine.Planning;
using OpenTracy.Engine.Requests;
using OpenTracy.Ops.Protocol;
using OpenTracy.Providers;

namespace OpenTracy.Engine.Ops.Palettes;

/// <summary>
/// Our own palette: providers (key present yes/no, never the key), rate limiter state, routes
/// (model groups, strategy, per-deployment stats) and the requests in flight on this node.
/// </summary>
public sealed class TracyPalette(OpenTracySettings settings, ProviderEnvironment environment, DeploymentStats stats, IRateLimitOps? limiter = null) : IOpsPalette
{
    public PaletteInfo Definition { get; } = new("tracy", "OpenTracy gateway state on this node", [
        new CommandInfo("providers", "configured providers: key present (yes/no, never the key) and base URL", []),
        new CommandInfo("ratelimit show", "limiter state: requests and tokens left, cooldown, lease holders", [], Arguments: "[provider]"),
        new CommandInfo("ratelimit reset", "refills a provider's limiters and clears its cooldown", [], Arguments: "<provider>"),
        new CommandInfo("routes", "model groups: strategy and per-deployment in-flight (cluster-wide), requests, errors, average latency", []),
        new CommandInfo("requests", "requests in flight on this node", []),
    ]);

    public Props HandlerProps(ActorSystem system) => Props.Create(() => new TracyHandler(settings, environment, stats, limiter));
}

internal sealed class TracyHandler(OpenTracySettings settings, ProviderEnvironment environment, DeploymentStats stats, IRateLimitOps? limiter) : OpsHandlerActor
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(ParsedCommand command, OpsOutput output)
    {
        switch (command.Command.Name)
        {
            case "providers":
                Providers(output);
                break;
            case "ratelimit show":
            case "ratelimit reset":
                if (!await RateLimitAsync(command, output)) return;
                break;
            case "routes":
                Routes(output);
                break;
            case "requests":
                await RequestsAsync(output);
                break;
        }
        output.End();
    }

    private void Providers(OpsOutput output)
    {
        var rows = ProviderCatalog.All.Select(p =>
        {
            var key = environment.Credentials(p).IsPresent;
            var baseUrl = environment.BaseUrl(p);
            return (IReadOnlyList<string>)[p.Name, key ? "yes" : "no", p.KeyEnvVar, string.IsNullOrEmpty(baseUrl) ? "-" : baseUrl];
        }).ToList();
        output.Table(["provider", "key", "key-variable", "base-url"], rows, header: !output.Json);
    }

    private async Task<bool> RateLimitAsync(ParsedCommand command, OpsOutput output)
    {
        if (limiter is null)
        {
            output.Fail("rate limiting is not enabled on this node");
            return false;
        }
        var provider = command.Arguments.FirstOrDefault();
        if (command.Command.Name == "ratelimit reset")
        {
            if (provider is null)
            {
                output.Fail("usage: tracy ratelimit reset <provider>");
                return false;
            }
            using var cts = new CancellationTokenSource(AskTimeout);
            var reset = await limiter.ResetAsync(provider, cts.Token);
            if (!reset)
            {
                output.Fail($"no rate limiter for '{provider}'");
                return false;
            }
            output.Message($"Reset rate limits of {provider}", ("provider", provider));
            return true;
        }
        using (var cts = new CancellationTokenSource(AskTimeout))
        {
            var states = await limiter.ShowAsync(provider, cts.Token);
            output.Table(["key", "provider", "requests-left", "tokens-left", "cooldown", "lease-holders"], states.Select(s => (IReadOnlyList<string>)[
                s.Key, s.Provider, Number(s.RequestsLeft), Number(s.TokensLeft),
                s.Cooldown is { } c && c > TimeSpan.Zero ? $"{c.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s" : "none",
                s.LeaseHolders.Count == 0 ? "-" : string.Join(",", s.LeaseHolders)]), $"Count: {states.Count} limiters", header: !output.Json);
        }
        return true;
    }

    private void Routes(OpsOutput output)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var group in settings.ModelGroups.Values.OrderBy(g => g.Alias, StringComparer.Ordinal))
        {
            for (var i = 0; i < group.Deployments.Count; i++)
            {
                var key = $"group:{group.Alias}#{i}";
                var s = stats.Get(key);
                rows.Add([group.Alias, OpenTracy.Balancing.BalancingStrategyNames.ToName(group.Strategy), group.Deployments[i].Model, Count(stats.InFlightClusterWide(key)), Count(s.Requests), Count(s.Errors), Latency(s)]);
            }
        }
        foreach (var s in stats.Snapshot().Where(s => s.Key.StartsWith("model:", StringComparison.Ordinal)))
        {
            var model = s.Key["model:".Length..];
            var at = model.IndexOf('@', StringComparison.Ordinal);
            rows.Add(["-", "direct", at < 0 ? model : model[..at], Count(stats.InFlightClusterWide(s.Key)), Count(s.Requests), Count(s.Errors), Latency(s)]);
        }
        // in-flight: cluster-wide (this node's count plus the other members' last reports), what least-busy plans on.
        output.Table(["group", "strategy", "deployment", "in-flight", "requests", "errors", "avg-latency-ms"], rows,
            $"Count: {settings.ModelGroups.Count} model groups", header: !output.Json);
    }

    private async Task RequestsAsync(OpsOutput output)
    {
        var supervisor = await ActorRegistry.For(Context.System).GetAsync<RequestsSupervisor>();
        var reply = await supervisor.Ask<InFlightRequests>(GetInFlightRequests.Instance, AskTimeout);
        var now = DateTimeOffset.UtcNow;
        output.Table(["request-id", "model", "stream", "age-ms"], reply.Requests.Select(r => (IReadOnlyList<string>)[
            r.RequestId, r.Model, r.Stream ? "yes" : "no", Count((long)(now - r.StartedAt).TotalMilliseconds)]),
            $"Count: {reply.Requests.Count} requests in flight", header: !output.Json);
    }

    private static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Number(double n) => double.IsNaN(n) ? "unlimited" : n.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Latency(DeploymentStat s) => s.Requests == 0 ? "-" : s.AverageLatencyMs.ToString("0.0", CultureInfo.InvariantCulture);
}
