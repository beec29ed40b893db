using System.Text.RegularExpressions;
using OpenTracy.Cluster.Tests.Support;
using Xunit.Abstractions;

namespace OpenTracy.Cluster.Tests;

/// <summary>A 3-node cluster with several limited provider keys, so limiter entities live on every node.</summary>
public sealed class ChurnCluster : ClusterFixture
{
    public static readonly string[] LimitedProviders = ["mistral", "deepseek", "together", "fireworks", "cerebras", "sambanova"];

    public static readonly IReadOnlyList<string> Models = [.. LimitedProviders.Select(p => $"{p}/test-model")];

    // A generous max-wait: while a crashed node's limiters are re-homed, requests wait for permits instead of failing.
    protected override string ExtraHocon => "opentracy.rate-limits {\n" + string.Join('\n',
        LimitedProviders.Select(p => $"  {p} {{ requests-per-minute = 30000, burst = 100, max-wait = 45s }}")) + "\n}";
}

internal static partial class LimiterLog
{
    [GeneratedRegex(@"rate limiter entity (\S+) started")]
    private static partial Regex Started();

    /// <summary>Limiter entity ids a node's log says it started, with the time the line arrived.</summary>
    public static IReadOnlyList<(DateTime At, string EntityId)> EntitiesStarted(NodeProcess node)
        => [.. node.Lines.Select(l => (l.At, Match: Started().Match(l.Line))).Where(x => x.Match.Success).Select(x => (x.At, x.Match.Groups[1].Value))];
}

/// <summary>kill -9 of one of three nodes under steady load.</summary>
public sealed class NodeCrashTests(ChurnCluster cluster, ITestOutputHelper output) : IClassFixture<ChurnCluster>
{
    private const int WorkersPerNode = 2;
    private static readonly TimeSpan Before = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan After = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_survivors_keep_answering_and_the_dead_nodes_limiters_come_back_on_a_survivor()
    {
        var victim = cluster.Nodes[2];
        var survivors = cluster.Nodes.Take(2).ToList();
        var load = new Load(cluster.Http, cluster.Nodes, ChurnCluster.Models, WorkersPerNode, "crash");
        await Task.Delay(Before);
        var onVictim = LimiterLog.EntitiesStarted(victim).Select(e => e.EntityId).Distinct().ToList();
        // The victim's workers stop sending first, so every request it got was sent before the kill (and may be in flight).
        load.StopNode(victim.Name);
        var killedAt = DateTime.UtcNow;
        victim.Kill();
        await Task.Delay(After);
        await load.StopAsync();

        var results = load.Results;
        var survivorResults = results.Where(r => r.Node != victim.Name).ToList();
        var survivorFailures = survivorResults.Where(r => !r.Result.Ok).ToList();
        var victimFailures = results.Where(r => r.Node == victim.Name && !r.Result.Ok).ToList();
        var recreated = survivors.SelectMany(LimiterLog.EntitiesStarted).Where(e => e.At > killedAt).Select(e => e.EntityId).Distinct().ToList();
        var afterKill = survivorResults.Where(r => r.Started > killedAt).ToList();
        var slowest = afterKill.Count == 0 ? TimeSpan.Zero : afterKill.Max(r => r.Finished - r.Started);
        output.WriteLine($"requests: {results.Count} ({survivorResults.Count} on survivors, {afterKill.Count} of them after the kill, slowest {slowest.TotalSeconds:F1} s); " +
                         $"survivor failures: {survivorFailures.Count}; failures on the killed node: {victimFailures.Count} (in flight at the kill); " +
                         $"limiters on the killed node: [{string.Join(", ", onVictim)}]; re-created on survivors after the kill: [{string.Join(", ", recreated)}]");

        Assert.True(survivorFailures.Count == 0,
            $"{survivorFailures.Count} failures on survivors, e.g. {string.Join("; ", survivorFailures.Take(3).Select(f => $"{f.Node} {f.Model} {f.Result.Status} {f.Result.Failure}"))}\n{cluster.Logs()}");
        Assert.True(victimFailures.Count <= WorkersPerNode, $"{victimFailures.Count} failures on the killed node; at most {WorkersPerNode} were in flight");
        Assert.True(victimFailures.All(f => f.Started <= killedAt), "a request sent to the killed node after the kill was counted");
        Assert.NotEmpty(onVictim);
        Assert.All(onVictim, id => Assert.Contains(id, recreated));
        // Every limited key answered on the survivors after its limiter moved.
        foreach (var model in ChurnCluster.Models)
            Assert.Contains(afterKill, r => r.Model == model && r.Result.Ok && r.Started > killedAt + TimeSpan.FromSeconds(10));
    }
}

/// <summary>SIGTERM of one of three nodes under load on the other two.</summary>
public sealed class GracefulLeaveTests(ChurnCluster cluster, ITestOutputHelper output) : IClassFixture<ChurnCluster>
{
    private const int WorkersPerNode = 2;
    private static readonly TimeSpan Before = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan After = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Sigterm_leaves_gracefully_exits_0_and_the_other_nodes_fail_nothing()
    {
        var leaving = cluster.Nodes[2];
        // Requests also use the leaving node's limiters (before: all nodes lease from them).
        var warm = new Load(cluster.Http, cluster.Nodes, ChurnCluster.Models, 1, "leave-warm");
        await Task.Delay(TimeSpan.FromSeconds(1));
        await warm.StopAsync();
        var load = new Load(cluster.Http, cluster.Nodes.Take(2), ChurnCluster.Models, WorkersPerNode, "leave");
        await Task.Delay(Before);
        var onLeaving = LimiterLog.EntitiesStarted(leaving).Select(e => e.EntityId).Distinct().ToList();
        var termAt = DateTime.UtcNow;
        leaving.Terminate();
        var exited = await leaving.WaitForExitAsync(ExitWait);
        await Task.Delay(After);
        await load.StopAsync();

        var results = load.Results;
        var failures = results.Where(r => !r.Result.Ok).ToList();
        var recreated = cluster.Nodes.Take(2).SelectMany(LimiterLog.EntitiesStarted).Where(e => e.At > termAt).Select(e => e.EntityId).Distinct().ToList();
        output.WriteLine($"requests on the other nodes: {results.Count} ({results.Count(r => r.Started > termAt)} after SIGTERM), failures: {failures.Count}; " +
                         $"exited: {exited} code {(exited ? leaving.ExitCode : -1)}; limiters on the leaving node: [{string.Join(", ", onLeaving)}], re-created: [{string.Join(", ", recreated)}]");

        Assert.True(exited, $"the node did not exit within {ExitWait}:\n{leaving.Tail()}");
        Assert.Equal(0, leaving.ExitCode);
        Assert.True(failures.Count == 0, $"{failures.Count} failures, e.g. {string.Join("; ", failures.Take(3).Select(f => $"{f.Node} {f.Model} {f.Result.Status} {f.Result.Failure}"))}");
        Assert.Contains(results, r => r.Started > termAt && r.Result.Ok);
        Assert.All(onLeaving, id => Assert.Contains(id, recreated));
    }
}
