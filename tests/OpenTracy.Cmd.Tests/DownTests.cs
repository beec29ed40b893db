using OpenTracy.Cluster.Support;

namespace OpenTracy.Cmd.Tests;

/// <summary>Its own cluster: this test downs a node.</summary>
public sealed class DownTests(DownTests.Cluster cluster) : IClassFixture<DownTests.Cluster>
{
    public sealed class Cluster : ClusterFixture;

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_downed_node_is_gone_from_cluster_show()
    {
        var down = await Pbm.RunAsync(cluster.A.OpsEndpoint, $"cluster down -a {cluster.B.AkkaAddress}");
        Assert.Equal(0, down.ExitCode);
        Assert.Equal($"Downing {cluster.B.AkkaAddress}", down.Lines.Single());

        var show = await Eventually.WaitAsync(() => Pbm.RunAsync(cluster.A.OpsEndpoint, "cluster show"),
            r => !r.Stdout.Contains(cluster.B.AkkaAddress, StringComparison.Ordinal), Wait, "B removed");
        Assert.Equal("Count: 1 nodes", show.Lines[^1]);
        // A downed node stops itself (shutdown coupling).
        await Eventually.WaitAsync(() => Task.FromResult(cluster.B.HasExited), exited => exited, Wait, "B exits");
    }
}
