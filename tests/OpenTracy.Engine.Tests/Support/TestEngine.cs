using OpenTracy.Pricing;
using Akka.Configuration;
using OpenTracy.Engine.Configuration;
using OpenTracy.Engine.Planning;
using OpenTracy.Engine.Requests;
using OpenTracy.Providers;
using OpenTracy.Wire;

namespace OpenTracy.Engine.Tests.Support;

/// <summary>Settings, planner and services for engine tests: the real opentracy.conf defaults plus per-test overrides.</summary>
public static class TestEngine
{
    public static readonly string HoconDirectory = Path.Combine(AppContext.BaseDirectory, "hocon");

    /// <summary>Keys for openai and anthropic; tiny backoff so retries are quick unless a test says otherwise.</summary>
    public const string FastUpstream = """
        opentracy.upstream { backoff-base = 10ms, backoff-max = 50ms, retry-after-max = 5s }
        opentracy.streaming.subscription-timeout = 5s
        """;

    public static readonly IReadOnlyDictionary<string, string?> DefaultEnvironment = new Dictionary<string, string?>
    {
        ["OPENAI_API_KEY"] = "sk-test-openai",
        ["ANTHROPIC_API_KEY"] = "sk-test-anthropic",
    };

    public static Config Config(string? overrides = null)
        => ConfigurationFactory.ParseString(overrides ?? string.Empty)
            .WithFallback(ConfigurationFactory.ParseString(FastUpstream))
            .WithFallback(NodeConfig.ParseFile(Path.Combine(HoconDirectory, NodeConfig.DefaultsFile)));

    public static OpenTracySettings Settings(string? overrides = null) => OpenTracySettings.FromConfig(Config(overrides));

    public static EngineServices Services(IProviderClient client, string? overrides = null, IReadOnlyDictionary<string, string?>? environment = null,
        PriceList? prices = null, Random? random = null)
    {
        var settings = Settings(overrides);
        var env = environment ?? DefaultEnvironment;
        var providerEnvironment = new ProviderEnvironment(name => env.TryGetValue(name, out var v) ? v : null);
        prices ??= new PriceList([new ModelPrice("m1", 1, 2), new ModelPrice("m2", 0.5, 1)]);
        var planner = new RoutePlanner(settings, providerEnvironment, prices, new DeploymentStats(), random);
        return new EngineServices(settings, planner, _ => client, prices);
    }

    public static ChatRequest Request(string model, IReadOnlyList<string>? fallbacks = null, int? numRetries = null, bool stream = false, bool includeUsage = false)
        => new()
        {
            Model = model,
            Messages = [ChatMessage.User("hello")],
            Fallbacks = fallbacks,
            NumRetries = numRetries,
            Stream = stream ? true : null,
            StreamOptions = includeUsage ? new StreamOptions { IncludeUsage = true } : null,
        };
}
