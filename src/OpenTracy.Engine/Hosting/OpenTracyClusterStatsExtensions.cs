using Akka.Configuration;
using Akka.Hosting;
using OpenTracy.Engine.Configuration;
using OpenTracy.Engine.Planning;

namespace OpenTracy.Engine.Hosting;

/// <summary>Cluster-wide deployment statistics: this node's <see cref="DeploymentStatsPublisher"/> (settings from <c>opentracy.cluster-stats</c>).</summary>
public static class OpenTracyClusterStatsExtensions
{
    public const string Section = "opentracy.cluster-stats";

    public static AkkaConfigurationBuilder WithOpenTracyClusterStats(this AkkaConfigurationBuilder builder, DeploymentStats stats, Config config)
    {
        if (!config.HasPath(Section)) throw new ConfigurationException($"missing '{Section}' section (load hocon/opentracy.conf first)");
        var c = config.GetConfig(Section);
        var interval = OpenTracySettings.RequireTimeSpan(c, "publish-interval");
        var staleAfter = OpenTracySettings.RequireTimeSpan(c, "stale-after");
        return builder.WithActors((system, registry) =>
            registry.Register<DeploymentStatsPublisher>(system.ActorOf(DeploymentStatsPublisher.Props(stats, interval, staleAfter), DeploymentStatsPublisher.Name)));
    }
}
