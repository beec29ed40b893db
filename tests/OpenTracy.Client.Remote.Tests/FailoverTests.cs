using OpenTracy.Client.Remote;

namespace OpenTracy.Client.Remote.Tests;

/// <summary>Its own cluster: this test kills a node.</summary>
public sealed class FailoverTests(FailoverTests.Cluster cluster) : IClassFixture<FailoverTests.Cluster>
{
    public sealed class Cluster : RemoteClusterFixture;

    private const int Attempts = 3;

    [Fact]
    public async Task The_client_survives_the_death_of_its_contact_node()
    {
        var first = await cluster.Client.CompleteAsync(RemoteClientTests.Ask("before"));
        Assert.Equal(cluster.A.AkkaAddress, first.Routing!["node"]);

        cluster.A.Kill();

        // The client knew only A; it learnt B from A's receptionist and moves there once A stops answering heartbeats.
        Wire.ModelResponse? after = null;
        for (var i = 0; i < Attempts && after is null; i++)
        {
            try
            {
                after = await cluster.Client.CompleteAsync(RemoteClientTests.Ask("after"));
            }
            catch (RemoteCompletionException e) when (e.Status == 503)
            {
                // An attempt sent into the dead connection times out; the next one goes to B.
            }
        }

        Assert.NotNull(after);
        Assert.Equal("echo: after", after!.Content);
        Assert.Equal(cluster.B.AkkaAddress, after.Routing!["node"]);
    }
}
