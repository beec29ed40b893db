namespace OpenTracy.Balancing;

/// <summary>
/// Runtime counters of one deployment: attempts, failed attempts, summed latency of successful
/// attempts, and the requests in flight to it now. Thread-safe; a snapshot is always internally consistent.
/// </summary>
public sealed class DeploymentStats
{
    private readonly Lock _gate = new();
    private long _requests;
    private long _errors;
    private double _totalLatencyMs;
    private long _inFlight;

    /// <summary>Requests sent to this deployment and not finished yet (read by least-busy); live, not part of a snapshot.</summary>
    public long InFlight => Volatile.Read(ref _inFlight);

    /// <summary>A request starts on this deployment; every <see cref="Enter"/> is matched by exactly one <see cref="Leave"/>.</summary>
    public void Enter() => Interlocked.Increment(ref _inFlight);

    /// <summary>A request that <see cref="Enter"/>ed has finished (answered, failed, or its stream ended).</summary>
    public void Leave() => Interlocked.Decrement(ref _inFlight);

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

    /// <summary>Adds counters read elsewhere (e.g. other nodes of a cluster) to these.</summary>
    public void Add(DeploymentStatsSnapshot other)
    {
        lock (_gate)
        {
            _requests += other.Requests;
            _errors += other.Errors;
            _totalLatencyMs += other.TotalLatencyMs;
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
