using Akka.Configuration;

namespace OpenTracy.Engine.Configuration;

/// <summary>
/// The typed <c>opentracy { ... }</c> section of the node's HOCON. Every number the engine uses
/// comes from here; hocon/opentracy.conf documents each setting and holds its default.
/// </summary>
public sealed record OpenTracySettings(
    HttpSettings Http,
    UpstreamSettings Upstream,
    StreamingSettings Streaming,
    IReadOnlyDictionary<string, ModelGroupSettings> ModelGroups,
    IReadOnlyList<string> Models)
{
    public const string Section = "opentracy";

    /// <summary>Reads <c>opentracy { }</c> from a full configuration (the section must be present: opentracy.conf holds the defaults).</summary>
    public static OpenTracySettings FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.HasPath(Section)) throw new ConfigurationException($"missing '{Section}' section (load hocon/opentracy.conf first)");
        var c = config.GetConfig(Section);
        return new OpenTracySettings(
            HttpSettings.FromConfig(c.GetConfig("http")),
            UpstreamSettings.FromConfig(c.GetConfig("upstream")),
            StreamingSettings.FromConfig(c.GetConfig("streaming")),
            ModelGroupSettings.AllFromConfig(c),
            c.HasPath("models") ? [.. c.GetStringList("models")] : []);
    }

    internal static TimeSpan RequireTimeSpan(Config c, string path)
    {
        if (!c.HasPath(path)) throw new ConfigurationException($"missing setting '{path}'");
        return c.GetTimeSpan(path, allowInfinite: false);
    }

    internal static int RequireInt(Config c, string path)
    {
        if (!c.HasPath(path)) throw new ConfigurationException($"missing setting '{path}'");
        return c.GetInt(path);
    }
}

/// <summary><c>opentracy.http</c>: the HTTP edge.</summary>
public sealed record HttpSettings(
    string Hostname,
    int Port,
    long MaxRequestBodyBytes,
    TimeSpan RequestTimeout,
    IReadOnlyList<Secret> GatewayKeys)
{
    public static HttpSettings FromConfig(Config c)
    {
        var max = c.GetByteSize("max-request-body") ?? throw new ConfigurationException("missing setting 'max-request-body'");
        var keys = c.HasPath("gateway-keys")
            ? c.GetStringList("gateway-keys").Select(k => k.Trim()).Where(k => k.Length > 0).Select(k => new Secret(k)).ToList()
            : [];
        return new HttpSettings(
            c.GetString("hostname", "0.0.0.0"),
            OpenTracySettings.RequireInt(c, "port"),
            max,
            OpenTracySettings.RequireTimeSpan(c, "request-timeout"),
            keys);
    }

    public override string ToString() => $"HttpSettings({Hostname}:{Port}, max-body={MaxRequestBodyBytes}, timeout={RequestTimeout}, gateway-keys={GatewayKeys.Count})";
}

/// <summary><c>opentracy.upstream</c>: provider calls, retries and their backoff.</summary>
public sealed record UpstreamSettings(
    TimeSpan Timeout,
    TimeSpan BackoffBase,
    TimeSpan BackoffMax,
    TimeSpan RetryAfterMax,
    int DefaultNumRetries,
    int MaxNumRetries)
{
    public static UpstreamSettings FromConfig(Config c) => new(
        OpenTracySettings.RequireTimeSpan(c, "timeout"),
        OpenTracySettings.RequireTimeSpan(c, "backoff-base"),
        OpenTracySettings.RequireTimeSpan(c, "backoff-max"),
        OpenTracySettings.RequireTimeSpan(c, "retry-after-max"),
        OpenTracySettings.RequireInt(c, "default-num-retries"),
        OpenTracySettings.RequireInt(c, "max-num-retries"));

    /// <summary>Exponential backoff before retry number <paramref name="retry"/> (0 = the first retry): base × 2^retry, capped.</summary>
    public TimeSpan Backoff(int retry)
    {
        var factor = Math.Pow(2, Math.Clamp(retry, 0, 30));
        var ms = BackoffBase.TotalMilliseconds * factor;
        return ms >= BackoffMax.TotalMilliseconds ? BackoffMax : TimeSpan.FromMilliseconds(ms);
    }
}

/// <summary><c>opentracy.streaming</c>: how streamed answers travel to the edge.</summary>
public sealed record StreamingSettings(int Buffer, TimeSpan SubscriptionTimeout)
{
    public static StreamingSettings FromConfig(Config c)
    {
        var buffer = OpenTracySettings.RequireInt(c, "buffer");
        if (buffer < 1 || (buffer & (buffer - 1)) != 0)
            throw new ConfigurationException("opentracy.streaming.buffer must be a power of two ≥ 1");
        return new StreamingSettings(buffer, OpenTracySettings.RequireTimeSpan(c, "subscription-timeout"));
    }
}
