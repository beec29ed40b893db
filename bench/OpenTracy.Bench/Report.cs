using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenTracy.Bench;

/// <summary>Writes <c>latest.md</c> (tables) and <c>latest.json</c> (every number) into the results folder.</summary>
public static class Report
{
    private const double BytesPerMb = 1024 * 1024;
    private const int TargetRate = 2000;
    private const double TargetAddedP99Ms = 1.0;
    private const double TargetThroughputShare = 0.6;
    private const double TargetPortkeyFactor = 3.0;
    private const int TargetStreams = 1000;
    private const double TargetStreamsRssMb = 400;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Mb(long bytes) => (bytes / BytesPerMb).ToString("F0", CultureInfo.InvariantCulture);

    public static async Task WriteAsync(BenchReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "latest.json"), JsonSerializer.Serialize(report, JsonOptions));
        await File.WriteAllTextAsync(Path.Combine(directory, "latest.md"), Markdown(report));
    }

    private static string F(double value, string format = "F2") => double.IsNaN(value) ? "—" : value.ToString(format, CultureInfo.InvariantCulture);
    private static string Added(double value) => double.IsNaN(value) ? "—" : (value >= 0 ? "+" : "") + F(value);

    public static string Markdown(BenchReport r)
    {
        var o = r.Options;
        var md = new StringBuilder();
        md.AppendLine("# OpenTracy benchmark — latest run").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Run {r.StartedAt:yyyy-MM-dd HH:mm} UTC, {r.DurationSeconds:F0} s{(o.Quick ? ", **--quick smoke run (numbers not meaningful)**" : "")}. " +
            $"Machine: {r.Machine}; load average before {r.LoadAverageBefore}, after {r.LoadAverageAfter}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Pinning: {r.Pinning}. Load generator: {r.LoadGeneratorGc}.");
        if (o.DotnetEnvironment.Count > 0)
            md.AppendLine(CultureInfo.InvariantCulture, $"Environment of every .NET gateway process (floor and nodes): {string.Join(", ", o.DotnetEnvironment.Select(kv => $"`{kv.Key}={kv.Value}`"))}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Workload: mock answers after `delay-ms={o.MockDelayMs}`; warm-up {o.WarmupSeconds} s at {o.WarmupRate} req/s per target; " +
            $"fixed-rate steps of {o.StepSeconds} s at {string.Join(", ", o.Rates)} req/s, stopping after the first saturated step " +
            $"(achieved < 90 % of offered or errors > 1 %); at most {o.MaxInFlight} requests in flight (a due request beyond that counts as an overflow error). " +
            $"Each step starts once the target is quiet again (under 15 % of a core per process for 0.5 s, at most 30 s), so a backlog left by the warm-up or the step before is not charged to it.");
        md.AppendLine("Latency is measured from each request's *intended* send time (open loop, coordinated-omission corrected). " +
            "**Added** = the target's percentile − the mock-direct percentile at the same offered rate, in ms. CPU = user+system seconds of the target's process(es) per 1,000 requests.");
        md.AppendLine();

        md.AppendLine("## Non-streaming, fixed rate").AppendLine();
        md.AppendLine("| target | offered req/s | achieved req/s | errors | added p50 | added p90 | added p99 | added p99.9 | p50 / p99 ms | peak RSS MB | CPU s / 1k req |");
        md.AppendLine("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var t in r.Targets)
        {
            if (t.Failure is not null) { md.AppendLine(CultureInfo.InvariantCulture, $"| {t.Name} | — | — | failed: {t.Failure.ReplaceLineEndings(" ")} | | | | | | | |"); continue; }
            foreach (var s in t.Rates)
            {
                var a = s.Added;
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {t.Name} | {s.OfferedRate} | {s.AchievedRate:F0}{(s.Saturated ? " (saturated)" : "")} | {s.Errors} | {(a is null ? "—" : Added(a.P50))} | {(a is null ? "—" : Added(a.P90))} | " +
                    $"{(a is null ? "—" : Added(a.P99))} | {(a is null ? "—" : Added(a.P999))} | {F(s.Latency.P50)} / {F(s.Latency.P99)} | {Mb(s.PeakRssBytes)} | {F(s.CpuSecondsPer1k, "F3")} |");
            }
        }
        md.AppendLine();

        md.AppendLine(CultureInfo.InvariantCulture, $"## Streaming ({Workloads.StreamChunks} chunks, {Workloads.StreamChunkDelayMs} ms apart, after the {o.MockDelayMs} ms delay; {o.StreamRate} streams/s)").AppendLine();
        md.AppendLine("| target | ok | errors | events / stream | first chunk p50 / p99 ms | added first chunk p50 / p99 | first→last event p50 / p99 ms | per-chunk overhead ms (added tail p50 ÷ chunks) | CPU s / 1k streams |");
        md.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var t in r.Targets.Where(t => t.Streaming is not null))
        {
            var s = t.Streaming!;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {t.Name} | {s.Ok} | {s.Errors} | {F(s.EventsPerStream, "F1")} | {F(s.FirstChunk.P50)} / {F(s.FirstChunk.P99)} | {(s.AddedFirstChunk is null ? "—" : $"{Added(s.AddedFirstChunk.P50)} / {Added(s.AddedFirstChunk.P99)}")} | " +
                $"{F(s.Tail.P50)} / {F(s.Tail.P99)} | {(s.AddedTail is null ? "—" : Added(s.PerChunkOverheadMs))} | {F(s.CpuSecondsPer1k, "F3")} |");
        }
        md.AppendLine();

        md.AppendLine(CultureInfo.InvariantCulture, $"## {o.ConcurrentStreams} concurrent streams held open ({Workloads.HoldChunks} chunks each)").AppendLine();
        md.AppendLine("| target | streams | peak open at once | ok | errors | RSS before MB | peak RSS MB | first chunk p99 ms |");
        md.AppendLine("|---|---:|---:|---:|---|---:|---:|---:|");
        foreach (var t in r.Targets.Where(t => t.Hold is not null))
        {
            var h = t.Hold!;
            md.AppendLine(CultureInfo.InvariantCulture, $"| {t.Name} | {h.Streams} | {h.PeakOpen} | {h.Ok} | {h.Errors} | {Mb(h.RssBeforeBytes)} | {Mb(h.PeakRssBytes)} | {F(h.FirstChunk.P99)} |");
        }
        md.AppendLine();

        var limited = r.Targets.FirstOrDefault(t => t.Key == TargetKeys.Limited && t.Failure is null);
        var node = r.Targets.FirstOrDefault(t => t.Key == TargetKeys.Node && t.Failure is null);
        if (limited is not null && node is not null)
        {
            md.AppendLine("## What the rate limiter adds per request (limited node − plain node, same offered rate)").AppendLine();
            md.AppendLine("Both rows are one node in front of the same mock; the limited one leases permits for its key from the sharded limiter and takes one per request. " +
                "Differences under about a millisecond are within the run-to-run noise of this machine.").AppendLine();
            md.AppendLine("| offered req/s | Δ p50 ms | Δ p90 ms | Δ p99 ms | Δ CPU s / 1k req | limited errors |");
            md.AppendLine("|---:|---:|---:|---:|---:|---|");
            foreach (var l in limited.Rates)
            {
                var n = node.Rates.FirstOrDefault(x => x.OfferedRate == l.OfferedRate);
                if (n is null) continue;
                md.AppendLine(CultureInfo.InvariantCulture, $"| {l.OfferedRate} | {Added(l.Latency.P50 - n.Latency.P50)} | {Added(l.Latency.P90 - n.Latency.P90)} | " +
                    $"{Added(l.Latency.P99 - n.Latency.P99)} | {Added(l.CpuSecondsPer1k - n.CpuSecondsPer1k)} | {l.Errors} |");
            }
            md.AppendLine();
        }

        foreach (var t in r.Targets.Where(t => t.Key == TargetKeys.Auto))
        {
            md.AppendLine("## Semantic routing: `model: \"auto\"` (every prompt distinct, so every request is embedded)").AppendLine();
            if (t.Failure is not null) { md.AppendLine(CultureInfo.InvariantCulture, $"Not measured: {t.Failure.ReplaceLineEndings(" ")}").AppendLine(); continue; }
            md.AppendLine("Routing ms = the node's own time to route one request (queue for the embedder + MiniLM embedding + scoring), from `X-OpenTracy-Routing-Ms`. " +
                "Added = end-to-end percentile − mock direct at the same rate; it includes the routing time.").AppendLine();
            md.AppendLine("| offered req/s | achieved req/s | errors | added p50 | added p99 | p50 / p99 ms | routing ms p50 / p99 | CPU s / 1k req | chosen |");
            md.AppendLine("|---:|---:|---|---:|---:|---:|---:|---:|---|");
            foreach (var a in t.Auto)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {a.OfferedRate} | {a.AchievedRate:F0}{(a.Saturated ? " (saturated)" : "")} | {a.Errors} | {(a.Added is null ? "—" : Added(a.Added.P50))} | {(a.Added is null ? "—" : Added(a.Added.P99))} | " +
                    $"{F(a.Latency.P50)} / {F(a.Latency.P99)} | {F(a.RoutingMs.P50)} / {F(a.RoutingMs.P99)} | {F(a.CpuSecondsPer1k, "F3")} | {string.Join(", ", a.Selected.Select(kv => $"{kv.Key} {kv.Value}"))} |");
            }
            md.AppendLine();
        }

        md.AppendLine("## Against the targets of issue 9").AppendLine();
        foreach (var line in Goals(r)) md.AppendLine("- " + line);
        md.AppendLine();

        md.AppendLine("## Runtimes").AppendLine();
        foreach (var t in r.Targets)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {t.Name}: {(t.Runtime.Length > 0 ? t.Runtime : "not started")}; idle RSS {Mb(t.IdleRssBytes)} MB{(t.Note is null ? "" : $". {t.Note}")}");
        }
        return md.ToString();
    }

    private static IEnumerable<string> Goals(BenchReport r)
    {
        var direct = r.Targets.FirstOrDefault(t => t.Key == TargetKeys.Direct);
        var portkey = r.Targets.FirstOrDefault(t => t.Key == TargetKeys.Portkey && t.Failure is null);
        foreach (var t in r.Targets.Where(t => t.Key is TargetKeys.Node or TargetKeys.Cluster))
        {
            if (t.Failure is not null) { yield return $"{t.Name}: failed ({t.Failure})"; continue; }
            var at = t.Rates.FirstOrDefault(s => s.OfferedRate == TargetRate);
            yield return at?.Added is null
                ? $"{t.Name}: added p99 at {TargetRate} req/s — not measured (rate not reached)"
                : $"{t.Name}: added p99 at {TargetRate} req/s = {F(at.Added.P99)} ms (goal ≤ {TargetAddedP99Ms:F0} ms: {(at.Added.P99 <= TargetAddedP99Ms && !at.Saturated ? "met" : "not met")})";
            var best = t.BestSustained;
            var directBest = direct?.BestSustained;
            if (best is not null && directBest is not null)
            {
                var share = best.AchievedRate / directBest.AchievedRate;
                var capped = directBest.OfferedRate == best.OfferedRate && directBest == direct!.Rates.Last() ? " (both reached the highest offered rate: the ratio is a lower bound)" : "";
                yield return $"{t.Name}: highest sustained rate {best.OfferedRate} req/s = {share:P0} of direct's {directBest.OfferedRate} (goal ≥ {TargetThroughputShare:P0}){capped}";
            }
            var portkeyBest = portkey?.BestSustained;
            if (best is not null && portkeyBest is not null)
            {
                yield return $"{t.Name}: highest sustained rate vs Portkey's = {best.AchievedRate / portkeyBest.AchievedRate:F1}× (goal ≥ {TargetPortkeyFactor:F0}×; " +
                    $"p99 at those rates {F(best.Latency.P99)} vs {F(portkeyBest.Latency.P99)} ms)";
            }
            if (t.Hold is { } h)
            {
                var mb = h.PeakRssBytes / BytesPerMb;
                yield return $"{t.Name}: {h.Streams} concurrent streams peak RSS {mb:F0} MB{(t.Key == TargetKeys.Cluster ? " (sum of the nodes)" : "")} " +
                    $"(goal: {TargetStreams} streams < {TargetStreamsRssMb:F0} MB{(h.Streams < TargetStreams ? ": fewer streams in this run" : mb < TargetStreamsRssMb && h.Errors.Total == 0 ? ": met" : ": not met")})";
            }
        }
    }
}
