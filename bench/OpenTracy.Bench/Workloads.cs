using System.Buffers;
using System.Diagnostics;

namespace OpenTracy.Bench;

/// <summary>The three workloads run against every target: fixed-rate JSON, open-loop streams, and many held-open streams.</summary>
public sealed class Workloads(HttpClient client, BenchOptions options)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(120);
    private const double SaturatedBelow = 0.9;
    private const double MaxErrorShare = 0.01;
    private const int ReadBufferBytes = 16 * 1024;
    public const int StreamChunks = 5;
    public const int StreamChunkDelayMs = 5;
    public const int StreamSeconds = 6;
    public const int QuickStreamSeconds = 2;
    public const int HoldChunks = 20;
    public const int HoldChunkDelayMs = 300;
    public const int QuickHoldChunkDelayMs = 100;
    public const int HoldRampSeconds = 2;

    /// <summary>Non-streaming requests at <paramref name="rate"/> per second for <paramref name="seconds"/>.</summary>
    public async Task<RateStep> RateAsync(Target target, int rate, int seconds, Latency? baseline, CancellationToken ct)
    {
        var body = target.Body(Target.Directive(("delay-ms", options.MockDelayMs)), stream: false);
        var run = await FixedRateAsync(target, rate, seconds, index => target.NewRequest(index, body), onSuccess: null, ct);
        return new RateStep(rate, run.Achieved, run.Outcome.Ok, run.Outcome.Errors, run.Latency, baseline is null ? null : run.Latency.Minus(baseline),
            run.PeakRssBytes, run.CpuSeconds, run.CpuSecondsPer1k, run.Saturated);
    }

    /// <summary>What one fixed-rate step of non-streaming requests measured, whatever the requests were.</summary>
    private sealed record FixedRateRun(OpenLoop.Outcome Outcome, Latency Latency, double Achieved, long PeakRssBytes, double CpuSeconds, bool Saturated)
    {
        public double CpuSecondsPer1k => Outcome.Ok == 0 ? double.NaN : CpuSeconds / Outcome.Ok * 1000;
    }

    /// <summary>
    /// Sends <paramref name="newRequest"/>(i) at <paramref name="rate"/> per second for <paramref name="seconds"/> (open loop),
    /// recording each successful answer's latency from its intended send time, the target's CPU and peak RSS.
    /// <paramref name="onSuccess"/> may read a successful response (headers) before it is disposed.
    /// </summary>
    private async Task<FixedRateRun> FixedRateAsync(Target target, int rate, int seconds, Func<long, HttpRequestMessage> newRequest,
        Action<HttpResponseMessage>? onSuccess, CancellationToken ct)
    {
        var histogram = Histograms.New();
        var cpuBefore = target.CpuSeconds();
        OpenLoop.Outcome outcome;
        long peakRss;
        await using (var rss = new RssSampler(target.Pids))
        {
            outcome = await new OpenLoop(options.MaxInFlight, RequestTimeout).RunAsync(rate, (long)rate * seconds, async (index, intended, token) =>
            {
                using var request = newRequest(index);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, token);
                if (!response.IsSuccessStatusCode) return false;
                Histograms.Record(histogram, intended, Stopwatch.GetTimestamp());
                onSuccess?.Invoke(response);
                return true;
            }, ct);
            peakRss = rss.PeakBytes;
        }
        var cpu = target.CpuSeconds() - cpuBefore;
        var achieved = outcome.Ok / Math.Max(seconds, outcome.ElapsedSeconds);
        var saturated = achieved < SaturatedBelow * rate || outcome.Errors.Total > MaxErrorShare * rate * seconds;
        return new FixedRateRun(outcome, Latency.From(histogram), achieved, peakRss, cpu, saturated);
    }

    /// <summary>
    /// Prompts of the auto workload: varied subjects (so decisions spread over clusters); each request appends
    /// its own index, so no two prompts are equal and every request pays for an embedding.
    /// </summary>
    private static readonly string[] AutoPrompts =
    [
        "Solve for x: 3x + 7 = 22, and explain each step.",
        "Write a Python function that merges two sorted lists.",
        "What were the main causes of the First World War?",
        "Explain how photosynthesis converts light into chemical energy.",
        "Translate 'the weather is lovely today' into French and German.",
        "Which amendment to the US constitution abolished slavery?",
        "Summarise the plot of Hamlet in three sentences.",
        "What is the derivative of sin(x) * e^x?",
        "How does a TCP three-way handshake work?",
        "Give a short definition of opportunity cost in economics.",
        "Which organ produces insulin, and what does it regulate?",
        "Write a haiku about autumn rain.",
    ];

    private const string RoutingMsHeader = "X-OpenTracy-Routing-Ms";
    private const string SelectedModelHeader = "X-OpenTracy-Selected-Model";
    private const double MicrosPerMilli = 1000;
    private long _autoSequence;

    /// <summary><c>model: "auto"</c> requests at <paramref name="rate"/> per second, every prompt distinct.</summary>
    public async Task<AutoStep> AutoAsync(Target target, int rate, int seconds, Latency? baseline, CancellationToken ct)
    {
        var directive = Target.Directive(("delay-ms", options.MockDelayMs));
        var routing = Histograms.New();
        var selected = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var run = await FixedRateAsync(target, rate, seconds, _ =>
        {
            // A run-wide sequence number, not the step's index: steps (and the warm-up) must not repeat a prompt.
            var sequence = Interlocked.Increment(ref _autoSequence);
            return target.NewRequest(sequence, target.Body(directive, stream: false, $"{AutoPrompts[sequence % AutoPrompts.Length]} (request {sequence})"));
        }, response =>
        {
            if (response.Headers.TryGetValues(RoutingMsHeader, out var ms)
                && double.TryParse(ms.FirstOrDefault(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var routingMs))
            {
                routing.RecordValue(Math.Clamp((long)(routingMs * MicrosPerMilli), Histograms.LowestMicros, Histograms.HighestMicros));
            }
            if (response.Headers.TryGetValues(SelectedModelHeader, out var model)) selected.AddOrUpdate(model.FirstOrDefault() ?? "?", 1, (_, n) => n + 1);
        }, ct);
        return new AutoStep(rate, run.Achieved, run.Outcome.Ok, run.Outcome.Errors, run.Latency, baseline is null ? null : run.Latency.Minus(baseline),
            Latency.From(routing), run.CpuSecondsPer1k, run.Saturated,
            selected.OrderByDescending(kv => kv.Value).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
    }

    /// <summary>Open-loop streams: time to first event and first-to-last event time.</summary>
    public async Task<StreamStep> StreamingAsync(Target target, StreamStep? baseline, int? durationSeconds, CancellationToken ct)
    {
        var seconds = durationSeconds ?? (options.Quick ? QuickStreamSeconds : StreamSeconds);
        var body = target.Body(Target.Directive(("delay-ms", options.MockDelayMs), ("chunks", StreamChunks), ("chunk-delay-ms", StreamChunkDelayMs)), stream: true);
        var stats = new StreamStats();
        var cpuBefore = target.CpuSeconds();
        var outcome = await new OpenLoop(options.MaxInFlight, StreamTimeout).RunAsync(options.StreamRate, (long)options.StreamRate * seconds,
            (index, intended, token) => ReadStreamAsync(target.NewRequest(index, body), intended, stats, token), ct);
        var cpu = target.CpuSeconds() - cpuBefore;
        var firstChunk = Latency.From(stats.First);
        var tail = Latency.From(stats.Tail);
        return new StreamStep(options.StreamRate, StreamChunks, StreamChunkDelayMs, outcome.Ok, outcome.Errors, stats.EventsPerStream, firstChunk, tail,
            baseline is null ? null : firstChunk.Minus(baseline.FirstChunk), baseline is null ? null : tail.Minus(baseline.Tail),
            outcome.Ok == 0 ? double.NaN : cpu / outcome.Ok * 1000);
    }

    /// <summary><c>options.ConcurrentStreams</c> streams opened over a short ramp and held open while RSS is sampled.</summary>
    public async Task<HoldStep> HoldAsync(Target target, CancellationToken ct)
    {
        var streams = options.ConcurrentStreams;
        var chunkDelay = options.Quick ? QuickHoldChunkDelayMs : HoldChunkDelayMs;
        var body = target.Body(Target.Directive(("chunks", HoldChunks), ("chunk-delay-ms", chunkDelay)), stream: true);
        var stats = new StreamStats();
        var rate = Math.Max(1, streams / HoldRampSeconds);
        var started = Stopwatch.GetTimestamp();
        OpenLoop.Outcome outcome;
        long before, peak;
        await using (var rss = new RssSampler(target.Pids))
        {
            before = rss.Current();
            outcome = await new OpenLoop(streams, StreamTimeout).RunAsync(rate, streams,
                (index, intended, token) => ReadStreamAsync(target.NewRequest(index, body), intended, stats, token), ct);
            peak = rss.PeakBytes;
        }
        return new HoldStep(streams, stats.Open.Peak, outcome.Ok, outcome.Errors, before, peak, Stopwatch.GetElapsedTime(started).TotalSeconds, Latency.From(stats.First));
    }

    public sealed class OpenCounter
    {
        private int _open;
        private int _peak;
        public int Peak => Volatile.Read(ref _peak);

        public void Enter()
        {
            var now = Interlocked.Increment(ref _open);
            int seen;
            while (now > (seen = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen)
            {
            }
        }

        public void Exit() => Interlocked.Decrement(ref _open);
    }

    /// <summary>What the streams of one step saw: time to first event, first-to-last event time, event count, concurrency.</summary>
    public sealed class StreamStats
    {
        public readonly HdrHistogram.LongConcurrentHistogram First = Histograms.New();
        public readonly HdrHistogram.LongConcurrentHistogram Tail = Histograms.New();
        public readonly OpenCounter Open = new();
        public long Events;
        public long Streams;
        public double EventsPerStream => Streams == 0 ? double.NaN : (double)Events / Streams;
    }

    /// <summary>
    /// Reads one SSE response to its end. An event ends at a blank line (<c>\n\n</c>); the first one
    /// completes "time to first chunk" (from the intended send time); the time from the first to the
    /// last event is the stream's tail (robust to events that arrive together in one read).
    /// </summary>
    private async Task<bool> ReadStreamAsync(HttpRequestMessage request, long intended, StreamStats stats, CancellationToken token)
    {
        using var _ = request;
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
        if (!response.IsSuccessStatusCode) return false;
        stats.Open.Enter();
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(token);
            var events = 0;
            long firstAt = 0, lastAt = 0;
            var previousNewline = false;
            int read;
            while ((read = await stream.ReadAsync(buffer, token)) > 0)
            {
                var now = Stopwatch.GetTimestamp();
                for (var i = 0; i < read; i++)
                {
                    var b = buffer[i];
                    if (b == (byte)'\r') continue;
                    if (b == (byte)'\n' && previousNewline)
                    {
                        if (events++ == 0) firstAt = now;
                        lastAt = now;
                        previousNewline = false;
                    }
                    else
                    {
                        previousNewline = b == (byte)'\n';
                    }
                }
            }
            if (events == 0) return false;
            Histograms.Record(stats.First, intended, firstAt);
            Histograms.Record(stats.Tail, firstAt, lastAt);
            Interlocked.Add(ref stats.Events, events);
            Interlocked.Increment(ref stats.Streams);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            stats.Open.Exit();
        }
    }
}
