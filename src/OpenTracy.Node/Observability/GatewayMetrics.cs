using System.Collections.Concurrent;
using OpenTracy.Engine.Observability;
using Prometheus;

namespace OpenTracy.Node.Observability;

/// <summary>
/// The node's Prometheus metrics, in a registry of its own (served at <c>/metrics</c>). Labels are
/// provider and model (the deployment's model string), never a key. Label children are cached per
/// provider/model pair, so recording costs dictionary lookups and atomic adds, no formatting; past
/// <c>max-model-labels</c> pairs, new models are counted as <c>model="other"</c> (a client cannot
/// blow up the series count by inventing model names).
/// </summary>
public sealed class GatewayMetrics : IEngineMetrics
{
    public const string None = "none";
    public const string Other = "other";
    private const double MillisecondsPerSecond = 1000;
    private static readonly string[] ModelLabels = ["provider", "model"];
    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.005, 2, 15); // 5 ms .. ~82 s

    private readonly int _maxPairs;
    private readonly ConcurrentDictionary<(string Provider, string Model), Series> _series = new();
    private readonly ConcurrentDictionary<(string Provider, string Model, string Code), Counter.Child> _errorSeries = new();
    private readonly Counter _requests;
    private readonly Counter _errors;
    private readonly Counter _tokens;
    private readonly Counter _cost;
    private readonly Histogram _latency;
    private readonly Histogram _ttft;
    private readonly Counter _retries;
    private readonly Counter _fallbacks;
    private readonly Histogram _limiterWait;
    private readonly Counter _limiterRejected;
    private readonly Counter _tracesDropped;
    private readonly Gauge _inFlight;

    public GatewayMetrics(int maxModelLabels)
    {
        _maxPairs = maxModelLabels;
        Registry = Metrics.NewCustomRegistry();
        var f = Metrics.WithCustomRegistry(Registry);
        var labels = new CounterConfiguration { LabelNames = ModelLabels };
        var latency = new HistogramConfiguration { LabelNames = ModelLabels, Buckets = LatencyBuckets };
        _requests = f.CreateCounter("opentracy_requests_total", "Chat completion requests answered, by provider and model.", labels);
        _errors = f.CreateCounter("opentracy_request_errors_total", "Requests answered with an error, by provider, model and error code.",
            new CounterConfiguration { LabelNames = ["provider", "model", "code"] });
        _tokens = f.CreateCounter("opentracy_tokens_total", "Tokens used, by provider, model and kind (prompt or completion).",
            new CounterConfiguration { LabelNames = ["provider", "model", "kind"] });
        _cost = f.CreateCounter("opentracy_cost_usd_total", "Cost of answered requests in US dollars.", labels);
        _latency = f.CreateHistogram("opentracy_request_duration_seconds", "Time from request to the end of the answer.", latency);
        _ttft = f.CreateHistogram("opentracy_time_to_first_token_seconds", "Streams: time from request to the first chunk sent.", latency);
        _retries = f.CreateCounter("opentracy_retries_total", "Upstream calls retried on the same deployment.", labels);
        _fallbacks = f.CreateCounter("opentracy_fallbacks_total", "Moves to the next candidate deployment (labelled by the candidate moved to).", labels);
        _limiterWait = f.CreateHistogram("opentracy_limiter_wait_seconds", "Time requests waited for a rate-limit permit.", latency);
        _limiterRejected = f.CreateCounter("opentracy_limiter_rejected_total", "Requests the rate limiter refused.", labels);
        _tracesDropped = f.CreateCounter("opentracy_trace_records_dropped_total", "Trace records dropped because the writer queue was full.");
        _inFlight = f.CreateGauge("opentracy_requests_in_flight", "Chat completion requests being handled by the edge.");
    }

    public CollectorRegistry Registry { get; }

    public void RequestStarted() => _inFlight.Inc();

    public void RequestEnded() => _inFlight.Dec();

    public void TraceDropped() => _tracesDropped.Inc();

    /// <summary>Records one finished request (the edge calls this once per request).</summary>
    public void Completed(TraceRecord outcome)
    {
        var s = For(outcome.Provider, outcome.Model);
        s.Requests.Inc();
        s.Latency.Observe(outcome.LatencyMs / MillisecondsPerSecond);
        if (outcome.TtftMs is { } ttft) s.Ttft.Observe(ttft / MillisecondsPerSecond);
        if (outcome.PromptTokens > 0) s.PromptTokens.Inc(outcome.PromptTokens);
        if (outcome.CompletionTokens > 0) s.CompletionTokens.Inc(outcome.CompletionTokens);
        if (outcome.CostUsd > 0) s.Cost.Inc(outcome.CostUsd);
        if (outcome.ErrorCode is { } code)
        {
            var key = (s.Provider, s.Model, code);
            if (!_errorSeries.TryGetValue(key, out var child))
                child = _errorSeries.GetOrAdd(key, k => _errors.WithLabels(k.Provider, k.Model, k.Code));
            child.Inc();
        }
    }

    public void Retry(string provider, string model) => For(provider, model).Retries.Inc();

    public void Fallback(string provider, string model) => For(provider, model).Fallbacks.Inc();

    public void LimiterWait(string provider, string model, TimeSpan waited) => For(provider, model).LimiterWait.Observe(waited.TotalSeconds);

    public void LimiterRejected(string provider, string model) => For(provider, model).LimiterRejected.Inc();

    private Series For(string? provider, string? model)
    {
        var key = (provider ?? None, model ?? None);
        if (_series.TryGetValue(key, out var series)) return series;
        if (_series.Count >= _maxPairs) key = (key.Item1, Other);
        return _series.GetOrAdd(key, k => new Series(this, k.Provider, k.Model));
    }

    private sealed class Series(GatewayMetrics m, string provider, string model)
    {
        public readonly string Provider = provider;
        public readonly string Model = model;
        public readonly Counter.Child Requests = m._requests.WithLabels(provider, model);
        public readonly Counter.Child PromptTokens = m._tokens.WithLabels(provider, model, "prompt");
        public readonly Counter.Child CompletionTokens = m._tokens.WithLabels(provider, model, "completion");
        public readonly Counter.Child Cost = m._cost.WithLabels(provider, model);
        public readonly Histogram.Child Latency = m._latency.WithLabels(provider, model);
        public readonly Histogram.Child Ttft = m._ttft.WithLabels(provider, model);
        public readonly Counter.Child Retries = m._retries.WithLabels(provider, model);
        public readonly Counter.Child Fallbacks = m._fallbacks.WithLabels(provider, model);
        public readonly Histogram.Child LimiterWait = m._limiterWait.WithLabels(provider, model);
        public readonly Counter.Child LimiterRejected = m._limiterRejected.WithLabels(provider, model);
    }
}
