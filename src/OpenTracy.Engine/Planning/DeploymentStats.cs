using System.Collections.Concurrent;

namespace OpenTracy.Engine.Planning;

/// <summary>
/// Per-deployment runtime statistics (the SDK Router's <c>requests</c>, <c>errors</c>,
/// <c>total_latency_ms</c>), shared by every request on this node. Lock-free: counters use Interlocked.
/// </summary>
public sealed class DeploymentStats
{
    private readonly ConcurrentDictionary<string, Cell> _cells = new(StringComparer.Ordinal);

    /// <summary>A successful attempt: one request, its latency.</summary>
    public void RecordSuccess(string key, TimeSpan latency)
    {
        var cell = _cells.GetOrAdd(key, static _ => new Cell());
        Interlocked.Increment(ref cell.Requests);
        Interlocked.Add(ref cell.TotalLatencyMicros, (long)(latency.TotalMilliseconds * MicrosPerMilli));
    }

    /// <summary>A failed attempt: one request, one error, no latency (as the Router counts them).</summary>
    public void RecordFailure(string key)
    {
        var cell = _cells.GetOrAdd(key, static _ => new Cell());
        Interlocked.Increment(ref cell.Requests);
        Interlocked.Increment(ref cell.Errors);
    }

    public DeploymentStat Get(string key)
    {
        if (!_cells.TryGetValue(key, out var c)) return new DeploymentStat(key, 0, 0, 0);
        return new DeploymentStat(key, Interlocked.Read(ref c.Requests), Interlocked.Read(ref c.Errors),
            Interlocked.Read(ref c.TotalLatencyMicros) / MicrosPerMilli);
    }

    public IReadOnlyList<DeploymentStat> Snapshot() => [.. _cells.Keys.Order(StringComparer.Ordinal).Select(Get)];

    private const double MicrosPerMilli = 1000d;

    private sealed class Cell
    {
        public long Requests;
        public long Errors;
        public long TotalLatencyMicros;
    }
}

/// <summary>One deployment's counters. Average latency counts failed attempts in the denominator, as the Router does.</summary>
public sealed record DeploymentStat(string Key, long Requests, long Errors, double TotalLatencyMs)
{
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;

    /// <summary>Average latency in ms; +∞ for a deployment never tried (so untried ones sort last).</summary>
    public double AverageLatencyMs => Requests == 0 ? double.PositiveInfinity : TotalLatencyMs / Requests;
}
