using HdrHistogram;

namespace OpenTracy.Bench;

/// <summary>Latency histograms in microseconds, 1 µs to 60 s, 3 significant digits.</summary>
public static class Histograms
{
    public const long LowestMicros = 1;
    public const long HighestMicros = 60_000_000;
    public const int SignificantDigits = 3;
    public const double MicrosPerSecond = 1_000_000;

    public static LongConcurrentHistogram New() => new(LowestMicros, HighestMicros, SignificantDigits);

    public static void Record(HistogramBase histogram, long fromTimestamp, long toTimestamp)
    {
        var micros = (long)((toTimestamp - fromTimestamp) * MicrosPerSecond / System.Diagnostics.Stopwatch.Frequency);
        histogram.RecordValue(Math.Clamp(micros, LowestMicros, HighestMicros));
    }
}

/// <summary>Percentiles in milliseconds.</summary>
public sealed record Latency(long Count, double P50, double P90, double P99, double P999, double Max, double Mean)
{
    private const double MicrosPerMilli = 1000;

    public static Latency From(HistogramBase h) => h.TotalCount == 0
        ? new Latency(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN)
        : new Latency(h.TotalCount,
            h.GetValueAtPercentile(50) / MicrosPerMilli,
            h.GetValueAtPercentile(90) / MicrosPerMilli,
            h.GetValueAtPercentile(99) / MicrosPerMilli,
            h.GetValueAtPercentile(99.9) / MicrosPerMilli,
            h.GetMaxValue() / MicrosPerMilli,
            h.GetMean() / MicrosPerMilli);

    public Latency Minus(Latency baseline) => new(Count, P50 - baseline.P50, P90 - baseline.P90, P99 - baseline.P99,
        P999 - baseline.P999, Max - baseline.Max, Mean - baseline.Mean);
}

public sealed record Errors(long Http, long Timeouts, long Failures, long Overflow)
{
    public long Total => Http + Timeouts + Failures + Overflow;
    public override string ToString() => Total == 0 ? "0" : $"{Total} (http {Http}, timeout {Timeouts}, fail {Failures}, overflow {Overflow})";
}

/// <summary>One fixed-rate non-streaming step against one target.</summary>
public sealed record RateStep(int OfferedRate, double AchievedRate, long Ok, Errors Errors, Latency Latency,
    Latency? Added, long PeakRssBytes, double CpuSeconds, double CpuSecondsPer1k, bool Saturated);

/// <summary>
/// Open-loop streaming: time to first chunk (from the intended send time) and the tail (first to last
/// event); added tail ÷ chunks = per-chunk overhead.
/// </summary>
public sealed record StreamStep(int OfferedRate, int Chunks, int ChunkDelayMs, long Ok, Errors Errors, double EventsPerStream,
    Latency FirstChunk, Latency Tail, Latency? AddedFirstChunk, Latency? AddedTail, double CpuSecondsPer1k)
{
    public double PerChunkOverheadMs => AddedTail is null ? double.NaN : AddedTail.P50 / Chunks;
}

/// <summary>Many concurrent streams held open while the target's RSS is sampled.</summary>
public sealed record HoldStep(int Streams, int PeakOpen, long Ok, Errors Errors, long RssBeforeBytes, long PeakRssBytes,
    double HoldSeconds, Latency FirstChunk);

/// <summary>
/// One fixed-rate step of <c>model: "auto"</c> requests, every prompt distinct (no route-cache hit: each is
/// embedded). <paramref name="RoutingMs"/>: the node's own routing time per request (embedding + scoring,
/// from <c>X-OpenTracy-Routing-Ms</c>); <paramref name="Selected"/>: how often each model was chosen.
/// </summary>
public sealed record AutoStep(int OfferedRate, double AchievedRate, long Ok, Errors Errors, Latency Latency, Latency? Added,
    Latency RoutingMs, double CpuSecondsPer1k, bool Saturated, IReadOnlyDictionary<string, long> Selected);

public sealed record TargetResult(string Key, string Name, string Runtime, string? Note, string? Failure,
    long IdleRssBytes, IReadOnlyList<RateStep> Rates, StreamStep? Streaming, HoldStep? Hold)
{
    /// <summary>The <c>model: "auto"</c> steps (auto target only).</summary>
    public IReadOnlyList<AutoStep> Auto { get; init; } = [];

    /// <summary>The highest offered rate the target kept up with (achieved ≥ 90 %, errors ≤ 1 %).</summary>
    public RateStep? BestSustained => Rates.Where(r => !r.Saturated).MaxBy(r => r.OfferedRate);
}

public sealed record BenchReport(DateTimeOffset StartedAt, double DurationSeconds, string Machine, string LoadAverageBefore,
    string LoadAverageAfter, string Pinning, string LoadGeneratorGc, BenchOptions Options, IReadOnlyList<TargetResult> Targets);
