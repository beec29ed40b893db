using Akka.Actor;
using Akka.TestKit.Xunit2;
using OpenTracy.Engine.Planning;
using OpenTracy.Engine.Requests;
using OpenTracy.Engine.Tests.Support;
using OpenTracy.Providers;
using Xunit.Abstractions;
using static OpenTracy.Engine.Tests.Support.ScriptedProviderClient;

namespace OpenTracy.Engine.Tests.Planning;

/// <summary>least-busy plans by requests in flight cluster-wide; the request actor keeps each deployment's gauge true.</summary>
public sealed class LeastBusySpec(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private const string Group = """
        opentracy.model-groups.busy {
          strategy = least-busy
          deployments = [ { model = "openai/m1" }, { model = "openai/m2" } ]
        }
        """;

    private const string First = "group:busy#0";
    private const string Second = "group:busy#1";

    private readonly ScriptedProviderClient _client = new();

    private static string FirstModel(RoutePlanner planner) => planner.Plan(TestEngine.Request("busy")).Plan!.Candidates[0].Deployment.Model;

    [Fact]
    public void Least_busy_puts_the_deployment_with_the_fewest_requests_in_flight_cluster_wide_first()
    {
        var planner = TestEngine.Services(_client, Group).Planner;
        var stats = planner.Stats;

        // Equally idle: the rotation spreads the load.
        var idle = Enumerable.Range(0, 4).Select(_ => FirstModel(planner)).ToList();
        Assert.Equal(["m1", "m2", "m1", "m2"], idle);

        // This node has one request on m1: m2 first, every time.
        stats.Local(First).Enter();
        Assert.All(Enumerable.Range(0, 4), _ => Assert.Equal("m2", FirstModel(planner)));

        // The other members report 3 on m2: cluster-wide m1 = 1, m2 = 3.
        stats.SetOthersInFlight(new Dictionary<string, long> { [Second] = 3 });
        Assert.All(Enumerable.Range(0, 4), _ => Assert.Equal("m1", FirstModel(planner)));
        Assert.Equal((1, 3), (stats.InFlightClusterWide(First), stats.InFlightClusterWide(Second)));

        // A newer report replaces the old one (a gauge, not a total).
        stats.SetOthersInFlight(new Dictionary<string, long> { [Second] = 0 });
        Assert.All(Enumerable.Range(0, 4), _ => Assert.Equal("m2", FirstModel(planner)));
        stats.Local(First).Leave();
        Assert.Equal(0, stats.InFlightClusterWide(First));
    }

    [Fact]
    public void The_request_counts_itself_in_flight_on_its_current_deployment_until_it_leaves_it()
    {
        var services = TestEngine.Services(_client, Group);
        var stats = services.Planner.Stats;
        var supervisor = Sys.ActorOf(RequestsSupervisor.Props(services));

        // m1 fails without retry, m2 hangs: the request moves from m1 to m2.
        _client.Script("m1", new Fail(new ProviderException("openai", ProviderFailureKind.HttpStatus, 400, "bad")));
        _client.Script("m2", new Hang());
        // A fresh planner's first plan (nothing in flight) starts the rotation at m1.
        var id = Guid.NewGuid().ToString("N");
        supervisor.Tell(new ChatCompletionRequest(id, TestEngine.Request("busy")));
        AwaitCondition(() => _client.Calls.Count == 2, Patience);
        AwaitAssert(() => Assert.Equal((0, 1), (stats.InFlightLocal(First), stats.InFlightLocal(Second))), Patience);

        supervisor.Tell(new CancelCompletion(id));
        AwaitAssert(() => Assert.Equal(0, stats.InFlightLocal(Second)), Patience);

        // An answered request leaves no trace in the gauge.
        var answered = Sys.ActorOf(RequestsSupervisor.Props(services));
        answered.Tell(new ChatCompletionRequest(Guid.NewGuid().ToString("N"), TestEngine.Request("openai/m1")));
        ExpectMsg<CompletionAnswered>(Patience);
        Assert.All(stats.Snapshot(), s => Assert.Equal(0, stats.InFlightLocal(s.Key)));
    }
}
