using OpenTracy.Cluster.Support;
using OpenTracy.MockProvider;

namespace OpenTracy.Cmd.Tests;

/// <summary>A mock provider and two node processes (B joined A), both Up before tests start.</summary>
public class ClusterFixture : IAsyncLifetime
{
    public const string TestConfig = """
        akka.cluster.split-brain-resolver.stable-after = 120s
        # A limit so the limiter entities exist for the sharding commands. The first lease may have to wait
        # for the shard's allocation on the other node, which takes seconds on a loaded machine: let requests
        # wait for it instead of getting 429 (these tests are about ops output, not about the limiter).
        opentracy.rate-limits.openai { requests-per-minute = 6000, burst = 100, max-wait = 20s }
        """;
    private static readonly TimeSpan UpWait = TimeSpan.FromSeconds(60);

    public MockProviderServer Mock { get; private set; } = null!;
    public NodeProcess A { get; private set; } = null!;
    public NodeProcess B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Mock = await MockProviderServer.StartAsync();
        A = await NodeProcess.StartAsync(Mock.BaseUrl, extraConfig: TestConfig);
        B = await NodeProcess.StartAsync(Mock.BaseUrl, seed: A.AkkaAddress, extraConfig: TestConfig);
        await Eventually.WaitAsync(() => Pbm.RunAsync(A.OpsEndpoint, "cluster show"),
            r => r.Stdout.Contains("Count: 2 nodes", StringComparison.Ordinal) && !r.Stdout.Contains("Joining", StringComparison.Ordinal),
            UpWait, "both members Up");
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
        await Mock.DisposeAsync();
    }
}
