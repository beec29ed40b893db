using OpenTracy.Client.Remote;
using OpenTracy.Cluster.Support;
using OpenTracy.MockProvider;

namespace OpenTracy.Client.Remote.Tests;

/// <summary>A mock provider and a two-node cluster (node processes on loopback), plus a remote client whose only initial contact is node A.</summary>
public class RemoteClusterFixture : IAsyncLifetime
{
    /// <summary>Nobody is downed while a test runs: a killed node stays unreachable, the survivor keeps serving.</summary>
    public const string TestConfig = "akka.cluster.split-brain-resolver.stable-after = 120s";

    public MockProviderServer Mock { get; private set; } = null!;
    public NodeProcess A { get; private set; } = null!;
    public NodeProcess B { get; private set; } = null!;
    public OpenTracyRemoteClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Mock = await MockProviderServer.StartAsync();
        A = await NodeProcess.StartAsync(Mock.BaseUrl, extraConfig: TestConfig);
        B = await NodeProcess.StartAsync(Mock.BaseUrl, seed: A.AkkaAddress, extraConfig: TestConfig);
        Client = OpenTracyRemoteClient.Create(new RemoteClientOptions
        {
            Contacts = [A.AkkaAddress],
            RequestTimeout = TimeSpan.FromSeconds(30),
        });
    }

    public async Task DisposeAsync()
    {
        await Client.DisposeAsync();
        await B.DisposeAsync();
        await A.DisposeAsync();
        await Mock.DisposeAsync();
    }
}
