using System.Diagnostics;
using System.Net;
using System.Runtime;

namespace OpenTracy.Bench;

/// <summary>
/// One run: starts the mock (load core), then each target in turn (target core), warms it up, runs
/// the fixed-rate steps until it saturates, the streaming step and the held-open streams, and stops it.
/// The mock-direct row runs first: every other row's added latency is measured against it.
/// </summary>
public sealed class Runner(BenchOptions options)
{
    private const int MaxConnectionsPerServer = 8192;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan SettlePause = TimeSpan.FromSeconds(1);
    /// <summary>Settling ends once each of the target's processes used less than this share of a core over one <see cref="QuietWindow"/>...</summary>
    private const double QuietCpuShare = 0.15;
    private static readonly TimeSpan QuietWindow = TimeSpan.FromMilliseconds(500);
    /// <summary>...or after this long, whichever comes first.</summary>
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(30);
    private const int ClusterSize = 3;
    private const int WarmupStreamSeconds = 2;
    /// <summary>The auto target warms up for this fraction of the general warm-up (the embedder is the slow part).</summary>
    private const int AutoWarmupShare = 3;

    public string OutputDirectory { get; private set; } = "";

    public async Task<BenchReport> RunAsync(CancellationToken ct)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var stopwatch = Stopwatch.StartNew();
        var loadBefore = ProcFs.LoadAverage();
        if (OperatingSystem.IsLinux()) Process.GetCurrentProcess().ProcessorAffinity = 1 << options.LoadCore;

        var repo = RepoLayout.Find();
        OutputDirectory = options.OutputDirectory ?? Path.Combine(repo.Root, "bench", "results");
        var logDirectory = Path.Combine(OutputDirectory, $"raw-{startedAt:yyyyMMdd-HHmmss}");
        Directory.CreateDirectory(logDirectory);
        Log($"logs of the started processes: {logDirectory}");

        using var client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            MaxConnectionsPerServer = MaxConnectionsPerServer,
            ConnectTimeout = ConnectTimeout,
        }) { Timeout = Timeout.InfiniteTimeSpan };
        using var probe = new HttpClient { Timeout = ProbeTimeout };
        var launcher = new Launcher(options, repo, logDirectory, probe);
        var workloads = new Workloads(client, options);

        var (mock, mockUrl) = await launcher.StartMockAsync();
        Log($"mock at {mockUrl} (pid {mock.Pid}, core {options.LoadCore})");
        var results = new List<TargetResult>();
        await using (mock)
        {
            TargetResult? direct = null;
            foreach (var key in options.Targets)
            {
                ct.ThrowIfCancellationRequested();
                Target? target = null;
                TargetResult result;
                try
                {
                    target = key switch
                    {
                        TargetKeys.Direct => launcher.Direct(mock, mockUrl),
                        TargetKeys.Floor => await launcher.FloorAsync(mockUrl),
                        TargetKeys.Node => await launcher.NodesAsync(mockUrl, 1),
                        TargetKeys.Cluster => await launcher.NodesAsync(mockUrl, ClusterSize),
                        TargetKeys.Portkey => await launcher.PortkeyAsync(mockUrl),
                        TargetKeys.Limited => await launcher.LimitedNodeAsync(mockUrl),
                        TargetKeys.Auto => await launcher.AutoNodeAsync(mockUrl),
                        _ => throw new ArgumentException($"unknown target {key}"),
                    };
                    Log($"{target.Name}: pids {string.Join(",", target.Pids)}; {target.Runtime}");
                    result = key == TargetKeys.Auto
                        ? await MeasureAutoAsync(workloads, target, direct, ct)
                        : await MeasureAsync(workloads, target, direct, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Log($"{key}: FAILED: {ex.Message}");
                    result = new TargetResult(key, target?.Name ?? key, target?.Runtime ?? "", target?.Note, ex.Message, 0, [], null, null);
                }
                finally
                {
                    if (target is not null && key != TargetKeys.Direct) await target.DisposeAsync();
                }
                if (key == TargetKeys.Direct) direct = result;
                results.Add(result);
                // Written after every target, so an interrupted run still leaves the rows it measured.
                await Report.WriteAsync(Snapshot(), OutputDirectory);
            }
        }
        return Snapshot();

        BenchReport Snapshot()
        {
            var machine = $"{Environment.ProcessorCount} CPUs, {Environment.OSVersion}, .NET {Environment.Version}";
            var pinning = $"target on core {options.TargetCore}; load generator and mock on core {options.LoadCore} (taskset)";
            var gc = (GCSettings.IsServerGC ? "server" : "workstation") + " GC";
            return new BenchReport(startedAt, stopwatch.Elapsed.TotalSeconds, machine, loadBefore, ProcFs.LoadAverage(), pinning, gc, options, [.. results]);
        }
    }

    /// <summary>
    /// Between steps: at least <see cref="SettlePause"/>, then until the target's processes are quiet. A target
    /// the step before overloaded (the warm-up, or a saturated step) may still be working off requests the
    /// client already gave up on; measuring the next step on top of that backlog would charge it the previous
    /// step's overload (seen with Portkey and the one-core cluster after a 1,000 req/s warm-up).
    /// </summary>
    private async Task SettleAsync(Target target, CancellationToken ct)
    {
        await Task.Delay(SettlePause, ct);
        var settling = Stopwatch.StartNew();
        while (settling.Elapsed < SettleLimit)
        {
            var before = target.CpuSeconds();
            await Task.Delay(QuietWindow, ct);
            if ((target.CpuSeconds() - before) / QuietWindow.TotalSeconds < QuietCpuShare * target.Pids.Count) return;
        }
        Log($"  (still busy after {SettleLimit.TotalSeconds:F0} s of settling; measuring anyway)");
    }

    private async Task<TargetResult> MeasureAsync(Workloads workloads, Target target, TargetResult? direct, CancellationToken ct)
    {
        var idle = target.Pids.Sum(ProcFs.RssBytes);
        Log($"  warm-up: {options.WarmupSeconds} s at {options.WarmupRate} req/s + {WarmupStreamSeconds} s of streams");
        var warm = await workloads.RateAsync(target, options.WarmupRate, options.WarmupSeconds, null, ct);
        Log($"  warm-up done: {warm.AchievedRate:F0} req/s, p99 {warm.Latency.P99:F2} ms, errors {warm.Errors}");
        await workloads.StreamingAsync(target, null, WarmupStreamSeconds, ct);
        await SettleAsync(target, ct);

        var steps = new List<RateStep>();
        // The direct row also runs the auto workload's rates, so auto's added latency has its baseline.
        var rates = target.Key == TargetKeys.Direct && options.Targets.Contains(TargetKeys.Auto)
            ? options.Rates.Union(options.AutoRates).Order().ToList()
            : options.Rates;
        foreach (var rate in rates)
        {
            var baseline = direct?.Rates.FirstOrDefault(r => r.OfferedRate == rate)?.Latency;
            var step = await workloads.RateAsync(target, rate, options.StepSeconds, baseline, ct);
            steps.Add(step);
            Log($"  {rate,5} req/s -> {step.AchievedRate,7:F0} achieved, p50 {step.Latency.P50:F2} p99 {step.Latency.P99:F2} p99.9 {step.Latency.P999:F2} ms, " +
                $"errors {step.Errors}, RSS {Report.Mb(step.PeakRssBytes)} MB, CPU {step.CpuSecondsPer1k:F3} s/1k{(step.Saturated ? "  [saturated]" : "")}");
            await SettleAsync(target, ct);
            if (step.Saturated) break;
        }

        var streaming = await workloads.StreamingAsync(target, direct?.Streaming, null, ct);
        Log($"  streams: first chunk p50 {streaming.FirstChunk.P50:F2} p99 {streaming.FirstChunk.P99:F2} ms, first→last event p50 {streaming.Tail.P50:F2} ms, {streaming.EventsPerStream:F1} events/stream, errors {streaming.Errors}");
        HoldStep? hold = null;
        // The limiter changes nothing about holding streams open: its row skips that step.
        if (target.Key != TargetKeys.Limited)
        {
            await SettleAsync(target, ct);
            hold = await workloads.HoldAsync(target, ct);
            Log($"  {hold.Streams} concurrent streams: peak open {hold.PeakOpen}, ok {hold.Ok}, errors {hold.Errors}, RSS {Report.Mb(hold.RssBeforeBytes)} -> {Report.Mb(hold.PeakRssBytes)} MB");
        }
        return new TargetResult(target.Key, target.Name, target.Runtime, target.Note, null, idle, steps, streaming, hold);
    }

    /// <summary>The auto target: a warm-up (loads the embedder's code paths), then the auto rates until it saturates.</summary>
    private async Task<TargetResult> MeasureAutoAsync(Workloads workloads, Target target, TargetResult? direct, CancellationToken ct)
    {
        var idle = target.Pids.Sum(ProcFs.RssBytes);
        var warmupRate = options.AutoRates[0];
        var warmupSeconds = Math.Max(1, options.WarmupSeconds / AutoWarmupShare);
        Log($"  warm-up: {warmupSeconds} s of auto requests at {warmupRate} req/s");
        await workloads.AutoAsync(target, warmupRate, warmupSeconds, null, ct);
        await SettleAsync(target, ct);
        var steps = new List<AutoStep>();
        foreach (var rate in options.AutoRates)
        {
            var baseline = direct?.Rates.FirstOrDefault(r => r.OfferedRate == rate)?.Latency;
            var step = await workloads.AutoAsync(target, rate, options.StepSeconds, baseline, ct);
            steps.Add(step);
            Log($"  auto {rate,5} req/s -> {step.AchievedRate,7:F0} achieved, p50 {step.Latency.P50:F2} p99 {step.Latency.P99:F2} ms, " +
                $"routing p50 {step.RoutingMs.P50:F2} p99 {step.RoutingMs.P99:F2} ms, errors {step.Errors}, CPU {step.CpuSecondsPer1k:F3} s/1k, " +
                $"chosen {string.Join(", ", step.Selected.Select(kv => $"{kv.Key} {kv.Value}"))}{(step.Saturated ? "  [saturated]" : "")}");
            await SettleAsync(target, ct);
            if (step.Saturated) break;
        }
        return new TargetResult(target.Key, target.Name, target.Runtime, target.Note, null, idle, [], null, null) { Auto = steps };
    }

    public static void Log(string message) => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {message}");
}
