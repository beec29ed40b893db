using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using OpenTracy.Engine.Planning;
using OpenTracy.Engine.Tests.Support;
using OpenTracy.Pricing;
using OpenTracy.Providers;
using Xunit.Abstractions;

namespace OpenTracy.Engine.Tests.Planning;

/// <summary>
/// Two actor systems in one cluster (in this process, on loopback with ephemeral ports), each with its
/// <see cref="DeploymentStatsPublisher"/>: each sees the other's in-flight gauges, least-busy on one node
/// plans around the other's load, and a member that goes away drops out of the picture.
/// </summary>
public sealed class ClusterInFlightSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(2);
    private const string Key = "group:busy#0";

    private readonly List<ActorSystem> _systems = [];

    private static readonly Config ClusterConfig = ConfigurationFactory.ParseString("""
            akka.loglevel = WARNING
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
            akka.cluster.split-brain-resolver.stable-after = 60s
            akka.coordinated-shutdown.exit-clr = off
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            """).WithFallback(TestEngine.Config());

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var system in _systems) await system.Terminate();
    }

    private (ActorSystem System, DeploymentStats Stats) StartNode(string name)
    {
        var system = ActorSystem.Create("ot", ClusterConfig);
        _systems.Add(system);
        var stats = new DeploymentStats();
        system.ActorOf(DeploymentStatsPublisher.Props(stats, Interval, StaleAfter), DeploymentStatsPublisher.Name);
        output.WriteLine($"{name}: {Cluster.Get(system).SelfAddress}");
        return (system, stats);
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within {Patience}: {what}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Each_node_sees_the_others_in_flight_requests_and_a_departed_node_drops_out()
    {
        var (a, statsA) = StartNode("a");
        var (b, statsB) = StartNode("b");
        var seed = Cluster.Get(a).SelfAddress;
        Cluster.Get(a).Join(seed);
        Cluster.Get(b).Join(seed);
        await Eventually(() => Cluster.Get(a).State.Members.Count(m => m.Status == MemberStatus.Up) == 2
                               && Cluster.Get(b).State.Members.Count(m => m.Status == MemberStatus.Up) == 2, "both members up");

        // A has two requests on deployment #0; B has none of its own but counts A's.
        statsA.Local(Key).Enter();
        statsA.Local(Key).Enter();
        await Eventually(() => statsB.InFlightClusterWide(Key) == 2, "B sees A's 2 in flight");
        Assert.Equal(0, statsB.InFlightLocal(Key));

        // And the other way round: A sees B's one on top of its own two.
        statsB.Local(Key).Enter();
        await Eventually(() => statsA.InFlightClusterWide(Key) == 3, "A sees 2 + B's 1");

        // B's least-busy plans around A's load: #1 (m2) first although #0 comes first in the rotation.
        const string group = """
            opentracy.model-groups.busy {
              strategy = least-busy
              deployments = [ { model = "openai/m1" }, { model = "openai/m2" } ]
            }
            """;
        var environment = new ProviderEnvironment(n => TestEngine.DefaultEnvironment.TryGetValue(n, out var v) ? v : null);
        var plannerB = new RoutePlanner(TestEngine.Settings(group), environment, new PriceList([]), statsB);
        Assert.All(Enumerable.Range(0, 4), _ => Assert.Equal("m2", plannerB.Plan(TestEngine.Request("busy")).Plan!.Candidates[0].Deployment.Model));

        // A gauge, not a total: A's requests finish, B's view goes down to its own one.
        statsA.Local(Key).Leave();
        statsA.Local(Key).Leave();
        await Eventually(() => statsB.InFlightClusterWide(Key) == 1, "B sees A back at 0");

        // A node that goes away takes its gauge with it (after stale-after).
        statsA.Local(Key).Enter();
        await Eventually(() => statsB.InFlightClusterWide(Key) == 2, "B sees A's new request");
        await a.Terminate();
        await Eventually(() => statsB.InFlightClusterWide(Key) == 1, "A's gauge dropped from B's view");
    }
}
