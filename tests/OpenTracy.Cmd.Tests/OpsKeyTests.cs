using OpenTracy.Cluster.Support;
using OpenTracy.MockProvider;

namespace OpenTracy.Cmd.Tests;

/// <summary>A node whose ops port requires a key.</summary>
public sealed class OpsKeyTests(OpsKeyTests.Node node) : IClassFixture<OpsKeyTests.Node>
{
    public const string Key = "ops-test-key";

    public sealed class Node : IAsyncLifetime
    {
        public MockProviderServer Mock { get; private set; } = null!;
        public NodeProcess Process { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Mock = await MockProviderServer.StartAsync();
            Process = await NodeProcess.StartAsync(Mock.BaseUrl, extraConfig: $"opentracy.ops.key = \"{Key}\"");
        }

        public async Task DisposeAsync()
        {
            await Process.DisposeAsync();
            await Mock.DisposeAsync();
        }
    }

    [Fact]
    public async Task Without_the_key_commands_are_refused_with_it_they_run()
    {
        var refused = await Pbm.RunAsync(node.Process.OpsEndpoint, "cluster leader");
        var wrong = await Pbm.RunAsync(node.Process.OpsEndpoint, "--key nope cluster leader");
        var allowed = await Pbm.RunAsync(node.Process.OpsEndpoint, $"--key {Key} cluster leader");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("ops key required", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Equal(0, allowed.ExitCode);
        Assert.Equal(node.Process.AkkaAddress, allowed.Lines.Single());
    }
}
