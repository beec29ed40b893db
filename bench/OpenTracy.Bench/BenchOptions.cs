using System.Globalization;

namespace OpenTracy.Bench;

/// <summary>Command-line options of the runner. <c>--quick</c> shrinks every duration for smoke runs.</summary>
public sealed record BenchOptions
{
    public const int DefaultWarmupSeconds = 30;
    public const int DefaultStepSeconds = 6;
    public const int DefaultMockDelayMs = 20;
    public const int DefaultConcurrentStreams = 1000;
    public const int DefaultStreamRate = 100;
    public const int DefaultWarmupRate = 1000;
    public const int DefaultMaxInFlight = 1024;
    public const int QuickWarmupSeconds = 2;
    public const int QuickStepSeconds = 2;
    public const int QuickConcurrentStreams = 100;
    public static readonly int[] DefaultRates = [500, 1000, 2000, 4000];
    public static readonly int[] QuickRates = [200, 500];
    public static readonly int[] DefaultAutoRates = [100, 200, 400, 800];
    public static readonly int[] QuickAutoRates = [50, 100];
    public const string DefaultWeights = "../shared/weights/weights-mmlu-v1";
    public static readonly string[] AllTargets =
        [TargetKeys.Direct, TargetKeys.Floor, TargetKeys.Node, TargetKeys.Limited, TargetKeys.Cluster, TargetKeys.Portkey, TargetKeys.Auto];

    public bool Quick { get; init; }
    public int WarmupSeconds { get; init; } = DefaultWarmupSeconds;
    public int WarmupRate { get; init; } = DefaultWarmupRate;
    public int StepSeconds { get; init; } = DefaultStepSeconds;
    public IReadOnlyList<int> Rates { get; init; } = DefaultRates;
    /// <summary>Fixed rates of the <c>model: "auto"</c> workload (every prompt distinct, so every request is embedded).</summary>
    public IReadOnlyList<int> AutoRates { get; init; } = DefaultAutoRates;
    /// <summary>Routing weights for the auto target; relative paths are relative to the repository root.</summary>
    public string Weights { get; init; } = DefaultWeights;
    public int MockDelayMs { get; init; } = DefaultMockDelayMs;
    public int ConcurrentStreams { get; init; } = DefaultConcurrentStreams;
    public int StreamRate { get; init; } = DefaultStreamRate;
    public int MaxInFlight { get; init; } = DefaultMaxInFlight;
    public IReadOnlyList<string> Targets { get; init; } = AllTargets;
    public int TargetCore { get; init; } = 1;
    public int LoadCore { get; init; } = 0;
    public string? OutputDirectory { get; init; }
    /// <summary>Environment of every .NET gateway process (the floor and the nodes), e.g. runtime GC knobs; <c>--dotnet-env K=V</c>, repeatable.</summary>
    public IReadOnlyDictionary<string, string> DotnetEnvironment { get; init; } = new Dictionary<string, string>();

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        if (args.Contains("--quick"))
        {
            options = options with
            {
                Quick = true, WarmupSeconds = QuickWarmupSeconds, StepSeconds = QuickStepSeconds,
                Rates = QuickRates, AutoRates = QuickAutoRates, ConcurrentStreams = QuickConcurrentStreams, WarmupRate = QuickRates[0],
            };
        }
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--quick" => options,
                "--warmup" => options with { WarmupSeconds = NextInt() },
                "--warmup-rate" => options with { WarmupRate = NextInt() },
                "--step" => options with { StepSeconds = NextInt() },
                "--rates" => options with { Rates = [.. Next().Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture))] },
                "--auto-rates" => options with { AutoRates = [.. Next().Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture))] },
                "--weights" => options with { Weights = Next() },
                "--delay-ms" => options with { MockDelayMs = NextInt() },
                "--streams" => options with { ConcurrentStreams = NextInt() },
                "--stream-rate" => options with { StreamRate = NextInt() },
                "--max-in-flight" => options with { MaxInFlight = NextInt() },
                "--targets" => options with { Targets = [.. Next().Split(',', StringSplitOptions.TrimEntries)] },
                "--target-core" => options with { TargetCore = NextInt() },
                "--load-core" => options with { LoadCore = NextInt() },
                "--out" => options with { OutputDirectory = Next() },
                "--dotnet-env" => options with { DotnetEnvironment = WithVariable(options.DotnetEnvironment, Next()) },
                _ => throw new ArgumentException($"unknown argument '{args[i]}'\n{Usage}"),
            };
        }
        var unknown = options.Targets.Except(AllTargets).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"unknown target(s) {string.Join(", ", unknown)}; known: {string.Join(", ", AllTargets)}");
        if (!options.Targets.Contains(TargetKeys.Direct)) options = options with { Targets = [TargetKeys.Direct, .. options.Targets] };
        return options;
    }

    private static Dictionary<string, string> WithVariable(IReadOnlyDictionary<string, string> current, string assignment)
    {
        var equals = assignment.IndexOf('=');
        if (equals <= 0) throw new ArgumentException($"--dotnet-env wants NAME=VALUE, got '{assignment}'");
        return new Dictionary<string, string>(current) { [assignment[..equals]] = assignment[(equals + 1)..] };
    }

    public const string Usage = """
        usage: OpenTracy.Bench [--quick] [--warmup S] [--warmup-rate R] [--step S] [--rates 500,1000,2000,4000]
                               [--delay-ms 20] [--streams 1000] [--stream-rate 100] [--max-in-flight 1024]
                               [--targets direct,floor,node,limited,cluster,portkey,auto] [--auto-rates 100,200,400,800]
                               [--weights ../shared/weights/weights-mmlu-v1] [--target-core 1] [--load-core 0] [--out DIR]
                               [--dotnet-env NAME=VALUE ...]
        """;
}

public static class TargetKeys
{
    public const string Direct = "direct";
    public const string Floor = "floor";
    public const string Node = "node";
    public const string Cluster = "cluster";
    public const string Portkey = "portkey";
    /// <summary>One node whose provider key has a rate limit it never reaches: the limiter's own cost.</summary>
    public const string Limited = "limited";
    /// <summary>One node with routing weights, every request <c>model: "auto"</c>.</summary>
    public const string Auto = "auto";
}
