using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Hosting;
using OpenTracy.Engine.Requests;

namespace OpenTracy.Engine.Hosting;

/// <summary>
/// The actor system, composed by concern. A node calls all of them; tests pick what they need.
/// </summary>
public static class OpenTracyAkkaExtensions
{
    public const string SystemName = "opentracy";

    /// <summary>The node's layered HOCON (see <see cref="Configuration.NodeConfig"/>), on top of Akka.Hosting's own defaults.</summary>
    public static AkkaConfigurationBuilder WithOpenTracyConfig(this AkkaConfigurationBuilder builder, Config config)
        => builder.AddHocon(config, HoconAddMode.Prepend);

    /// <summary>
    /// Cluster membership: with <c>akka.cluster.seed-nodes</c> set, the node joins them by itself (Akka does);
    /// with none (single-node.conf, the embedded default) it joins itself, which also works on port 0.
    /// </summary>
    public static AkkaConfigurationBuilder WithOpenTracyCluster(this AkkaConfigurationBuilder builder)
        => builder.AddStartup((system, _) =>
        {
            var cluster = Cluster.Get(system);
            if (cluster.Settings.SeedNodes.Count == 0) cluster.Join(cluster.SelfAddress);
        });

    /// <summary>The request path: the per-node <see cref="RequestsSupervisor"/>, registered for the edge as <c>IRequiredActor&lt;RequestsSupervisor&gt;</c>.</summary>
    public static AkkaConfigurationBuilder WithOpenTracyEngine(this AkkaConfigurationBuilder builder, EngineServices services)
        => builder.WithActors((system, registry) =>
            registry.Register<RequestsSupervisor>(system.ActorOf(RequestsSupervisor.Props(services), RequestsSupervisor.Name)));
}
