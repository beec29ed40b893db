using System.Text;
using OpenTracy.Client.Remote;
using OpenTracy.Cluster.Support;
using OpenTracy.Wire;

namespace OpenTracy.Client.Remote.Tests;

public sealed class RemoteClientTests(RemoteClusterFixture cluster) : IClassFixture<RemoteClusterFixture>
{
    private const string Model = "openai/gpt-4o-mini";
    private static readonly TimeSpan StatsWait = TimeSpan.FromSeconds(30);

    internal static ChatRequest Ask(string text) => new() { Model = Model, Messages = [ChatMessage.User(text)] };

    [Fact]
    public async Task Complete_answers_through_the_cluster_with_route_extras()
    {
        var response = await cluster.Client.CompleteAsync(Ask("hello remote"));

        Assert.Equal("echo: hello remote", response.Content);
        Assert.Equal("openai", response.Provider);
        Assert.NotNull(response.Routing);
        Assert.Equal(Model, response.Routing!["selected_model"]);
        Assert.StartsWith("akka.tcp://opentracy@127.0.0.1:", response.Routing["node"], StringComparison.Ordinal);
        Assert.True(response.Usage!.TotalTokens > 0);
    }

    [Fact]
    public async Task Stream_delivers_every_chunk_in_order()
    {
        var text = new StringBuilder();
        var chunks = 0;
        await foreach (var chunk in cluster.Client.StreamAsync(Ask("one two three [mock chunks=5]")))
        {
            chunks++;
            foreach (var choice in chunk.Choices) text.Append(choice.Delta.Content);
        }

        Assert.True(chunks >= 5, $"only {chunks} chunks");
        Assert.StartsWith("echo: one two three", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Leaving_a_stream_early_cancels_the_upstream_call()
    {
        var id = $"remote-cancel-{Guid.NewGuid():N}";
        var read = 0;
        await foreach (var _ in cluster.Client.StreamAsync(Ask($"go [mock id={id} chunks=100 chunk-delay-ms=100]")))
        {
            if (++read == 2) break;
        }

        var stats = await Eventually.WaitAsync(() => Task.FromResult(cluster.Mock.GetStats(id)), s => s.Cancelled >= 1, StatsWait, "upstream cancellation");
        Assert.Equal(1, stats.Cancelled);
        Assert.Equal(0, stats.Completed);
    }

    [Fact]
    public async Task Cancelling_the_token_of_a_stream_cancels_the_upstream_call()
    {
        var id = $"remote-token-{Guid.NewGuid():N}";
        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in cluster.Client.StreamAsync(Ask($"go [mock id={id} chunks=100 chunk-delay-ms=100]"), cts.Token))
                await cts.CancelAsync();
        });

        var stats = await Eventually.WaitAsync(() => Task.FromResult(cluster.Mock.GetStats(id)), s => s.Cancelled >= 1, StatsWait, "upstream cancellation");
        Assert.Equal(1, stats.Cancelled);
    }

    [Fact]
    public async Task A_stream_that_breaks_upstream_ends_with_an_explicit_error()
    {
        var received = 0;
        var error = await Assert.ThrowsAsync<RemoteCompletionException>(async () =>
        {
            await foreach (var _ in cluster.Client.StreamAsync(Ask("x [mock chunks=10 drop-after=2]"))) received++;
        });

        Assert.True(received >= 1);
        Assert.True(error.Status >= 500, $"status {error.Status}");
    }

    [Fact]
    public async Task An_unknown_model_fails_with_the_edge_status_and_body()
    {
        var error = await Assert.ThrowsAsync<RemoteCompletionException>(() =>
            cluster.Client.CompleteAsync(new ChatRequest { Model = "nosuchprovider/model", Messages = [ChatMessage.User("hi")] }));

        Assert.Equal(404, error.Status);
        Assert.Contains("nosuchprovider", error.Error.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_long_prompt_crosses_the_wire()
    {
        var prompt = string.Join(' ', Enumerable.Repeat("word", 60_000));
        var response = await cluster.Client.CompleteAsync(Ask(prompt));

        Assert.StartsWith("echo: word word", response.Content, StringComparison.Ordinal);
    }
}
