using OpenTracy.Balancing;

namespace OpenTracy;

/// <summary>
/// One entry of a <see cref="Router"/>'s model list: the alias it serves (<c>model_name</c>), the
/// <c>provider/model</c> it calls, optional key and base URL, and its weight for weighted-random.
/// </summary>
public sealed record RouterDeployment(string ModelName, string Model)
{
    public string? ApiKey { get; init; }
    public string? ApiBase { get; init; }
    public double Weight { get; init; } = 1.0;

    /// <summary>Never prints the key.</summary>
    public override string ToString()
        => $"RouterDeployment {{ ModelName = {ModelName}, Model = {Model}, ApiBase = {ApiBase}, ApiKey = {(ApiKey is null ? "null" : "[redacted]")}, Weight = {Weight} }}";
}

/// <summary>Per-deployment statistics as <see cref="Router.GetStats"/> reports them.</summary>
public sealed record DeploymentReport(string Model, long Requests, long Errors, double ErrorRate, double AvgLatencyMs, long InFlight = 0);

/// <summary>A deployment with its live counters.</summary>
internal sealed class RouterEntry(RouterDeployment config) : IBalancedDeployment
{
    public RouterDeployment Config { get; } = config;
    public string Model => Config.Model;
    public double Weight => Config.Weight;
    public DeploymentStats Stats { get; } = new();

    public DeploymentReport Report()
    {
        var s = Stats.Snapshot();
        return new DeploymentReport(Model, s.Requests, s.Errors, s.ErrorRate, s.AvgLatencyMs, Stats.InFlight);
    }
}
