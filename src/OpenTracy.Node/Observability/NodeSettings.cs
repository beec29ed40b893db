using Akka.Configuration;

namespace OpenTracy.Node.Observability;

/// <summary><c>opentracy.observability</c>: metrics, trace records and span export (documented in hocon/opentracy.conf).</summary>
public sealed record ObservabilitySettings(bool Metrics, int MaxModelLabels, TraceStoreSettings Traces, OtlpSettings Otlp)
{
    public const string Section = "opentracy.observability";

    public static ObservabilitySettings FromConfig(Config config)
    {
        var c = config.GetConfig(Section) ?? throw new ConfigurationException($"missing '{Section}' section");
        var t = c.GetConfig("traces");
        var o = c.GetConfig("otlp");
        return new ObservabilitySettings(
            c.GetBoolean("metrics", true),
            Positive(c.GetInt("max-model-labels"), "max-model-labels"),
            new TraceStoreSettings(
                t.GetBoolean("enabled", true),
                t.GetString("path"),
                Positive(t.GetInt("queue-capacity"), "traces.queue-capacity"),
                Positive(t.GetInt("batch-size"), "traces.batch-size"),
                t.GetTimeSpan("flush-interval"),
                Positive(t.GetInt("max-records"), "traces.max-records"),
                Positive(t.GetInt("max-query-limit"), "traces.max-query-limit"),
                t.GetBoolean("capture-prompts", false),
                Positive(t.GetInt("max-prompt-chars"), "traces.max-prompt-chars"),
                t.GetTimeSpan("feedback-wait")),
            new OtlpSettings(o.GetBoolean("enabled", false), new Uri(o.GetString("endpoint")), o.GetString("protocol", "grpc")));
    }

    private static int Positive(int value, string name)
        => value > 0 ? value : throw new ConfigurationException($"{Section}.{name} must be positive");
}

/// <param name="Path">SQLite file; an empty path keeps the store in memory (lost on stop).</param>
/// <param name="CapturePrompts">Store each request's routing prompt (the last user message) in its record; off by default.</param>
/// <param name="MaxPromptChars">Longest prompt stored; longer ones are cut to this many characters.</param>
/// <param name="FlushInterval">After writing a batch that was not full, the writer waits this long for records to gather.</param>
/// <param name="FeedbackWait">How long <c>POST /v1/feedback</c> waits for a record that is still in flight or queued.</param>
public sealed record TraceStoreSettings(bool Enabled, string Path, int QueueCapacity, int BatchSize, TimeSpan FlushInterval, int MaxRecords, int MaxQueryLimit,
    bool CapturePrompts, int MaxPromptChars, TimeSpan FeedbackWait);

public sealed record OtlpSettings(bool Enabled, Uri Endpoint, string Protocol);

/// <summary><c>opentracy.http.limits</c>: Kestrel's slow-client guards.</summary>
public sealed record EdgeLimits(TimeSpan RequestHeadersTimeout, double MinRequestBodyRate, TimeSpan MinRequestBodyRateGrace, TimeSpan KeepAliveTimeout, long MaxConcurrentConnections)
{
    public const string Section = "opentracy.http.limits";
    private static readonly TimeSpan MinimumGrace = TimeSpan.FromSeconds(1);

    public static EdgeLimits FromConfig(Config config)
    {
        var c = config.GetConfig(Section) ?? throw new ConfigurationException($"missing '{Section}' section");
        if (c.GetDouble("min-request-body-rate") > 0 && c.GetTimeSpan("min-request-body-rate-grace") <= MinimumGrace)
            throw new ConfigurationException($"{Section}.min-request-body-rate-grace must be more than {MinimumGrace.TotalSeconds}s (Kestrel's rule)");
        return new EdgeLimits(
            c.GetTimeSpan("request-headers-timeout"),
            c.GetDouble("min-request-body-rate"),
            c.GetTimeSpan("min-request-body-rate-grace"),
            c.GetTimeSpan("keep-alive-timeout"),
            c.GetLong("max-concurrent-connections"));
    }

    public void Apply(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits limits)
    {
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
        limits.KeepAliveTimeout = KeepAliveTimeout;
        limits.MinRequestBodyDataRate = MinRequestBodyRate > 0
            ? new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(MinRequestBodyRate, MinRequestBodyRateGrace)
            : null;
        limits.MaxConcurrentConnections = MaxConcurrentConnections > 0 ? MaxConcurrentConnections : null;
    }
}
