namespace OpenTracy.Balancing;

/// <summary>
/// Runtime counters of one deployment: attempts, failed attempts, summed latency of successful
/// attempts. Thread-safe; a snapshot is always internally consistent.
/// </summary>
public sealed class DeploymentStats
{
    private readonly Lock _gate = new();
    private long _requests;
    private long _errors;
    private double _totalLatencyMs;

    /// <summary>A successful attempt: one more request, its latency added.</summary>
    public void RecordSuccess(TimeSpan latency)
    {
        lock (_gate)
        {
            _requests++;
            _totalLatencyMs += latency.TotalMilliseconds;
        }
    }

    /// <summary>A failed attempt: one more request and one more error; no latency (as the reference).</summary>
    public void RecordFailure()
    {
        lock (_gate)
        {
            _requests++;
            _errors++;
        }
    }

    public DeploymentStatsSnapshot Snapshot()
    {
        lock (_gate) return new DeploymentStatsSnapshot(_requests, _errors, _totalLatencyMs);
    }

    public void Reset()
    {
        lock (_gate)
        {
            _requests = 0;
            _errors = 0;
            _totalLatencyMs = 0;
        }
    }
}

/// <summary>One consistent reading of <see cref="DeploymentStats"/>.</summary>
public readonly record struct DeploymentStatsSnapshot(long Requests, long Errors, double TotalLatencyMs)
{
    /// <summary>Errors / requests; 0 when there were no requests.</summary>
    public double ErrorRate => Requests > 0 ? (double)Errors / Requests : 0;

    /// <summary>Summed latency / all requests (failures included); 0 when there were no requests.</summary>
    public double AvgLatencyMs => Requests > 0 ? TotalLatencyMs / Requests : 0;

    /// <summary>The lowest-latency sort key: average latency, or +∞ for a deployment never tried.</summary>
    public double LatencyRank => Requests > 0 ? TotalLatencyMs / Requests : double.PositiveInfinity;
}
