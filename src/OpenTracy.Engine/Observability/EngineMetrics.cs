namespace OpenTracy.Engine.Observability;

/// <summary>
/// What the engine reports to the node's metrics (Prometheus lives in the node; the engine stays
/// free of it). Labels are the provider name and the deployment's model string, never a key.
/// Implementations must be thread-safe and cheap: they are called on the request path.
/// The rate limiter reports its waits through <see cref="LimiterWait"/>.
/// </summary>
public interface IEngineMetrics
{
    /// <summary>A retryable failure of <paramref name="model"/> is retried on the same deployment.</summary>
    void Retry(string provider, string model);

    /// <summary>The plan moved on to the next candidate, <paramref name="model"/> (a fallback or the next deployment of a group).</summary>
    void Fallback(string provider, string model);

    /// <summary>A request waited <paramref name="waited"/> for a rate-limit permit before calling <paramref name="model"/>.</summary>
    void LimiterWait(string provider, string model, TimeSpan waited);

    /// <summary>The limiter refused a request for <paramref name="model"/> (wait longer than allowed).</summary>
    void LimiterRejected(string provider, string model);
}

/// <summary>Reports nothing (tests and hosts without metrics).</summary>
public sealed class NoEngineMetrics : IEngineMetrics
{
    public static readonly NoEngineMetrics Instance = new();

    private NoEngineMetrics()
    {
    }

    public void Retry(string provider, string model)
    {
    }

    public void Fallback(string provider, string model)
    {
    }

    public void LimiterWait(string provider, string model, TimeSpan waited)
    {
    }

    public void LimiterRejected(string provider, string model)
    {
    }
}
