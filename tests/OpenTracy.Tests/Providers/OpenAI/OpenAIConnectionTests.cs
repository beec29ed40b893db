using System.Net.Sockets;
using OpenTracy.Providers;

namespace OpenTracy.Tests.Providers.OpenAI;

/// <summary>Connection handling of the upstream HttpClient: finished bodies reuse connections, abandoned ones are cut.</summary>
public sealed class OpenAIConnectionTests(MockFixture fx) : IClassFixture<MockFixture>, IDisposable
{
    private static readonly TimeSpan CounterWait = TimeSpan.FromSeconds(10);
    private int _connects;
    private HttpClient? _http;

    /// <summary>The production handler, counting the TCP connections it opens.</summary>
    private IProviderClient CountingClient(string style)
    {
        var handler = ProviderClients.CreateHandler();
        handler.ConnectCallback = async (context, ct) =>
        {
            Interlocked.Increment(ref _connects);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        return new ProviderClients(_http, new ProviderEnvironment(_ => null)).For(MockFixture.ProviderFor(style));
    }

    public void Dispose() => _http?.Dispose();

    [Theory]
    [InlineData("openai")]
    [InlineData("azure")]
    public async Task Finished_streams_and_completions_reuse_one_connection(string style)
    {
        var client = CountingClient(style);
        for (var i = 0; i < 3; i++)
        {
            var chunks = 0;
            await foreach (var _ in client.StreamAsync(fx.Request(style, $"a b c [mock id={MockFixture.NewId("reuse")}]"), CancellationToken.None)) chunks++;
            Assert.True(chunks > 0);
            await client.CompleteAsync(fx.Request(style, $"hi [mock id={MockFixture.NewId("reuse")}]"), CancellationToken.None);
        }
        Assert.Equal(1, Volatile.Read(ref _connects));
    }

    [Fact]
    public async Task An_abandoned_stream_is_cut_not_drained()
    {
        var client = CountingClient("openai");
        var id = MockFixture.NewId("abandon");
        // Stop reading after the first chunk, between two reads (no read is pending when the loop exits).
        await foreach (var _ in client.StreamAsync(fx.Request("openai", $"a b c d [mock id={id} chunks=4 chunk-delay-ms=300]"), CancellationToken.None))
            break;
        Assert.True(await MockFixture.EventuallyAsync(() => fx.Mock.GetStats(id).Cancelled == 1, CounterWait),
            $"the mock finished the abandoned answer: {fx.Mock.GetStats(id)}");
        Assert.Equal(0, fx.Mock.GetStats(id).Completed);

        // The client is still usable afterwards (on a new connection).
        var response = await client.CompleteAsync(fx.Request("openai", $"hi [mock id={MockFixture.NewId("after")}]"), CancellationToken.None);
        Assert.Equal("echo: hi", response.Content);
        Assert.Equal(2, Volatile.Read(ref _connects));
    }
}
