namespace OpenTracy.Balancing;

/// <summary>
/// What the balancer needs to know about a deployment of a model group. The SDK's Router and the
/// engine's configured model groups each have their own deployment type implementing this.
/// </summary>
public interface IBalancedDeployment
{
    /// <summary>The model string, <c>provider/model</c> (or a bare name that resolves by prefix).</summary>
    string Model { get; }

    /// <summary>Relative weight for <see cref="BalancingStrategy.WeightedRandom"/>; finite and ≥ 0.</summary>
    double Weight { get; }

    /// <summary>Live counters, read by <see cref="BalancingStrategy.LowestLatency"/>.</summary>
    DeploymentStats Stats { get; }

    /// <summary>
    /// Requests in flight to this deployment, read by <see cref="BalancingStrategy.LeastBusy"/>: this process's count by
    /// default; the engine's deployments answer with the cluster-wide count.
    /// </summary>
    long InFlight => Stats.InFlight;
}
