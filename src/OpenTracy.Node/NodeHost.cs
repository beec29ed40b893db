using OpenTracy.Pricing;
using System.Net;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using OpenTracy.Engine.Configuration;
using OpenTracy.Engine.Hosting;
using OpenTracy.Engine.Ops;
using OpenTracy.Engine.Remote;
using OpenTracy.Engine.Serialization;
using OpenTracy.Engine.Planning;
using OpenTracy.Engine.RateLimiting;
using OpenTracy.Engine.Requests;
using OpenTracy.Node.Edge;
using OpenTracy.Node.Observability;
using OpenTracy.Node.Routing;
using OpenTracy.Providers;

namespace OpenTracy.Node;

/// <summary>
/// Builds the node: the HTTP edge (Kestrel, minimal API) and the Akka node (Akka.Hosting), both
/// configured from the layered HOCON. Callable from tests, which pass their own environment and
/// run the real Kestrel on an ephemeral port.
/// </summary>
public static class NodeHost
{
    public const string ConfigArgument = "--config";
    public const string HoconFolder = "hocon";

    /// <summary>
    /// Builds (does not start) the node. <paramref name="environment"/> replaces the process
    /// environment when given (contract variables, provider keys and base URLs are all read from it);
    /// <paramref name="hocon"/> is one more configuration layer above the <c>--config</c> files.
    /// </summary>
    public static WebApplication Build(string[] args, IReadOnlyDictionary<string, string?>? environment = null, string? hocon = null)
    {
        Func<string, string?> lookup = environment is null
            ? Environment.GetEnvironmentVariable
            : name => environment.TryGetValue(name, out var v) ? v : null;
        var (configFiles, otherArgs) = SplitArguments(args);
        var config = NodeConfig.Load(Path.Combine(AppContext.BaseDirectory, HoconFolder), configFiles, lookup,
            NodeConfig.ProfileFor(lookup), extraHocon: hocon);
        var settings = OpenTracySettings.FromConfig(config);
        var providerEnvironment = new ProviderEnvironment(lookup);
        var observability = ObservabilitySettings.FromConfig(config);
        var edgeLimits = EdgeLimits.FromConfig(config);
        var routingSettings = RoutingSettings.FromConfig(config, lookup);

        // The node's configuration is HOCON; ASP.NET's appsettings files are not used, so they are not watched
        // either. Watching them meant a recursive inotify watch on the working directory, whose events (the
        // trace database is written there) cost the node CPU at every write.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [.. otherArgs, "--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        // One line per request from ASP.NET itself is noise at gateway rates; warnings and errors still show.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = settings.Http.MaxRequestBodyBytes;
            edgeLimits.Apply(kestrel.Limits);
            Listen(kestrel, settings.Http.Hostname, settings.Http.Port);
        });

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(settings.Http);
        services.AddSingleton(providerEnvironment);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => new ProviderClients(ProviderClients.CreateHttpClient(), providerEnvironment));
        services.AddSingleton(PriceTable.Default);
        services.AddSingleton<DeploymentStats>();
        services.AddSingleton(sp => new RoutePlanner(settings, providerEnvironment, sp.GetRequiredService<PriceList>(), sp.GetRequiredService<DeploymentStats>()));
        var rateLimits = new RateLimits(RateLimitSettings.FromConfig(config));
        services.AddSingleton(rateLimits);
        var limiterReadiness = new LimiterReadiness();
        services.AddSingleton(limiterReadiness);
        services.AddSingleton<IRateLimitOps, ShardedRateLimitOps>();
        services.AddSingleton(sp =>
        {
            var clients = sp.GetRequiredService<ProviderClients>();
            return new EngineServices(settings, sp.GetRequiredService<RoutePlanner>(), clients.For, sp.GetRequiredService<PriceList>(), rateLimits)
            {
                Metrics = sp.GetRequiredService<GatewayMetrics>(),
            };
        });
        services.AddSingleton<IMaterializer>(sp => sp.GetRequiredService<ActorSystem>().Materializer(namePrefix: "edge"));
        services.AddSingleton<ChatCompletionsEndpoint>();
        services.AddSingleton<ModelsEndpoint>();
        services.AddSingleton<GatewayKeys>();
        services.AddOpenTracyObservability(observability);
        services.AddSingleton(routingSettings);
        services.AddSingleton<SemanticRouting>();
        services.AddHostedService(sp => sp.GetRequiredService<SemanticRouting>());
        services.AddSingleton<RoutingEndpoints>();
        services.AddSingleton<AutoModel>();
        services.AddAkka(OpenTracyAkkaExtensions.SystemName, (akka, sp) => akka
            .WithOpenTracyConfig(config)
            .ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
                loggers.AddLogger<RingLogger>();
            })
            .WithOpenTracyCluster()
            .WithOpenTracyRateLimiting(rateLimits, limiterReadiness)
            .WithOpenTracyClusterStats(sp.GetRequiredService<DeploymentStats>(), config)
            .WithOpenTracyEngine(sp.GetRequiredService<EngineServices>())
            .WithOpenTracySerialization()
            .WithOpenTracyRemoteGateway());
        services.AddOpenTracyOps(config);

        var app = builder.Build();
        var gateway = app.Services.GetRequiredService<GatewayKeys>();
        app.Use((context, next) => gateway.InvokeAsync(context, next));
        app.MapGet("/health", HealthEndpoints.LiveAsync);
        app.MapGet("/health/ready", (HttpContext context, ActorSystem system, LimiterReadiness limiter) => HealthEndpoints.ReadyAsync(context, system, limiter));
        app.MapGet("/v1/models", (HttpContext context, ModelsEndpoint models) => models.HandleAsync(context));
        app.MapPost("/v1/chat/completions", (HttpContext context, ChatCompletionsEndpoint chat) => chat.HandleAsync(context));
        app.MapOpenTracyObservability(observability);
        app.MapPost("/v1/route", (HttpContext context, RoutingEndpoints routing) => routing.RouteAsync(context));
        app.MapPost("/v1/weights/reload", (HttpContext context, RoutingEndpoints routing) => routing.ReloadAsync(context));

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OpenTracy.Node");
            var system = app.Services.GetRequiredService<ActorSystem>();
            log.LogInformation("OpenTracy node listening on {Url} (akka {Address}); model groups: {Groups}; gateway keys: {Keys}",
                HttpAddress(app), Akka.Cluster.Cluster.Get(system).SelfAddress, settings.ModelGroups.Count, settings.Http.GatewayKeys.Count);
        });
        return app;
    }

    /// <summary>The bound HTTP address (after start), e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public static string HttpAddress(WebApplication app)
        => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
           ?? throw new InvalidOperationException("the node has not started");

    /// <summary>Splits <c>--config PATH</c> (repeatable) from the other arguments.</summary>
    public static (IReadOnlyList<string> ConfigFiles, string[] Remaining) SplitArguments(string[] args)
    {
        var files = new List<string>();
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == ConfigArgument)
            {
                if (i + 1 >= args.Length) throw new ArgumentException($"{ConfigArgument} needs a file path");
                files.Add(Path.GetFullPath(args[++i]));
            }
            else if (args[i].StartsWith(ConfigArgument + "=", StringComparison.Ordinal))
            {
                files.Add(Path.GetFullPath(args[i][(ConfigArgument.Length + 1)..]));
            }
            else
            {
                rest.Add(args[i]);
            }
        }
        return (files, [.. rest]);
    }

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, string hostname, int port)
    {
        if (hostname is "0.0.0.0" or "*" or "+") kestrel.ListenAnyIP(port);
        else if (hostname == "localhost") kestrel.ListenLocalhost(port);
        else kestrel.Listen(IPAddress.Parse(hostname), port);
    }
}
