using Akka.Configuration;
using OpenTracy.Routing;
using OpenTracy.Routing.Embedding;

namespace OpenTracy.Node.Routing;

/// <summary>
/// <c>opentracy.routing</c>: semantic ("auto") routing. An empty <c>weights-path</c> (and no
/// <c>OPENTRACY_WEIGHTS_PATH</c>) turns it off: the embedding model is then never loaded.
/// </summary>
public sealed record RoutingSettings
{
    public const string Section = "opentracy.routing";
    public const string WeightsPathVar = "OPENTRACY_WEIGHTS_PATH";

    /// <summary>The weights directory; null when semantic routing is off.</summary>
    public string? WeightsPath { get; init; }

    /// <summary>λ of the score when a request gives none.</summary>
    public double CostWeight { get; init; }

    /// <summary>Models "auto" may choose (empty: every model of the weights).</summary>
    public IReadOnlyList<string> AllowedModels { get; init; } = [];

    /// <summary>How long an "auto" request waits for the embedding model to finish loading before a 503.</summary>
    public TimeSpan ReadyWait { get; init; }

    public EmbedderOptions Embedder { get; init; } = new();

    public bool Enabled => !string.IsNullOrWhiteSpace(WeightsPath);

    public SemanticRouterOptions RouterOptions() => new()
    {
        WeightsPath = WeightsPath,
        DefaultCostWeight = CostWeight,
        AllowedModels = AllowedModels.Count > 0 ? AllowedModels : null,
    };

    /// <summary>Reads the section; <c>OPENTRACY_WEIGHTS_PATH</c> (when not empty) overrides <c>weights-path</c>.</summary>
    public static RoutingSettings FromConfig(Config config, Func<string, string?> environment)
    {
        var c = config.GetConfig(Section) ?? throw new ConfigurationException($"missing configuration section {Section}");
        var path = environment(WeightsPathVar) is { Length: > 0 } fromEnv ? fromEnv.Trim() : c.GetString("weights-path", "");
        var costWeight = c.GetDouble("cost-weight", 0.0);
        if (!double.IsFinite(costWeight) || costWeight < 0)
            throw new ConfigurationException($"{Section}.cost-weight must be a finite number >= 0, got {costWeight}");
        var e = c.GetConfig("embedder") ?? throw new ConfigurationException($"missing configuration section {Section}.embedder");
        return new RoutingSettings
        {
            WeightsPath = string.IsNullOrWhiteSpace(path) ? null : path,
            CostWeight = costWeight,
            AllowedModels = c.GetStringList("allowed-models") is { } list ? [.. list.Where(m => !string.IsNullOrWhiteSpace(m))] : [],
            ReadyWait = c.GetTimeSpan("ready-wait", allowInfinite: false),
            Embedder = new EmbedderOptions
            {
                MaxBatchSize = AtLeast(e, "batch-size", 1),
                BatchWait = e.GetTimeSpan("batch-wait", allowInfinite: false),
                QueueCapacity = AtLeast(e, "queue-capacity", 1),
                CacheSize = AtLeast(e, "cache-size", 0),
                IntraOpThreads = AtLeast(e, "intra-op-threads", 1),
            },
        };
    }

    private static int AtLeast(Config c, string key, int minimum)
    {
        var value = c.GetInt(key);
        if (value < minimum) throw new ConfigurationException($"{Section}.embedder.{key} must be >= {minimum}, got {value}");
        return value;
    }
}
