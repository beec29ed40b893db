using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Akka.TestKit.Xunit2;
using OpenTracy.Engine.Requests;
using OpenTracy.Engine.Tests.Support;
using OpenTracy.Providers;
using OpenTracy.Wire;
using Xunit.Abstractions;
using static OpenTracy.Engine.Tests.Support.ScriptedProviderClient;

namespace OpenTracy.Engine.Tests.Requests;

/// <summary>Streams: retries and fallbacks until the first chunk, then chunks flow as an Akka stream with backpressure.</summary>
public sealed class StreamingCompletionSpec(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly ScriptedProviderClient _client = new();
    private IMaterializer? _materializer;

    private (IActorRef Supervisor, string Id, CompletionStreaming Reply) Start(ChatRequest request)
    {
        var supervisor = Sys.ActorOf(RequestsSupervisor.Props(TestEngine.Services(_client)));
        var id = Guid.NewGuid().ToString("N");
        supervisor.Tell(new ChatCompletionRequest(id, request));
        return (supervisor, id, ExpectMsg<CompletionStreaming>(Patience));
    }

    private IMaterializer Materializer => _materializer ??= Sys.Materializer();

    [Fact]
    public async Task Stream_delivers_every_chunk_and_no_usage_chunk_unless_asked()
    {
        _client.Script("m1", new Streams(3));
        var (_, _, reply) = Start(TestEngine.Request("openai/m1", stream: true));

        var chunks = await reply.Chunks.RunWith(Sink.Seq<StreamChunk>(), Materializer);

        Assert.Equal(["c0 ", "c1 ", "c2 "], chunks.Select(c => c.ContentDelta));
        Assert.All(chunks, c => Assert.Null(c.Usage));
        Assert.Equal(new RouteInfo("openai/m1", "openai", 1, reply.Route.RoutingMs), reply.Route);
    }

    [Fact]
    public async Task Include_usage_adds_a_final_usage_chunk_with_cost()
    {
        _client.Script("m1", new Streams(2));
        var (_, _, reply) = Start(TestEngine.Request("openai/m1", stream: true, includeUsage: true));

        var chunks = await reply.Chunks.RunWith(Sink.Seq<StreamChunk>(), Materializer);

        Assert.Equal(3, chunks.Count);
        var last = chunks[^1];
        Assert.Empty(last.Choices);
        Assert.Equal(Usage.Of(3, 2), last.Usage);
        Assert.NotNull(last.Cost);
        Assert.Equal(3 / 1e6 * 1 + 2 / 1e6 * 2, last.Cost!.TotalCostUsd, 12);
    }

    [Fact]
    public void Upstream_is_asked_for_usage_even_when_the_client_did_not()
    {
        _client.Script("m1", new Streams(1));
        Start(TestEngine.Request("openai/m1", stream: true));

        var body = Assert.Single(_client.Calls).Request.Body;
        Assert.True(body.Stream);
        Assert.True(body.StreamOptions?.IncludeUsage);
        Assert.Null(body.Fallbacks);
    }

    [Fact]
    public async Task Failures_before_the_first_chunk_are_retried_and_fall_back()
    {
        _client.Script("m1", new Fail(Status(503)), new Fail(Status(503)));
        _client.Script("m2", new Streams(2));
        var (_, _, reply) = Start(TestEngine.Request("openai/m1", fallbacks: ["openai/m2"], numRetries: 1, stream: true));

        var chunks = await reply.Chunks.RunWith(Sink.Seq<StreamChunk>(), Materializer);

        Assert.Equal(2, chunks.Count);
        Assert.Equal(2, _client.CallsTo("m1").Count);
        Assert.Equal(new RouteInfo("openai/m2", "openai", 3, reply.Route.RoutingMs), reply.Route);
    }

    [Fact]
    public async Task A_failure_after_the_first_chunk_fails_the_stream_without_retrying()
    {
        _client.Script("m1", new Streams(4, FailAfter: 2));
        var (_, _, reply) = Start(TestEngine.Request("openai/m1", fallbacks: ["openai/m2"], numRetries: 3, stream: true));

        var received = new List<StreamChunk>();
        var error = await Assert.ThrowsAsync<ProviderException>(() => reply.Chunks.RunForeach(received.Add, Materializer));

        Assert.Equal(502, error.StatusCode);
        Assert.Equal(2, received.Count);
        Assert.Single(_client.Calls);
    }

    [Fact]
    public void Request_actor_lives_until_the_stream_ends()
    {
        _client.Script("m1", new Streams(3));
        var (supervisor, _, reply) = Start(TestEngine.Request("openai/m1", stream: true));
        var probe = reply.Chunks.RunWith(this.SinkProbe<StreamChunk>(), Materializer);

        probe.Request(1);
        probe.ExpectNext();
        supervisor.Tell(GetInFlight.Instance);
        Assert.Equal(1, ExpectMsg<InFlightCount>(Patience).Count);

        probe.Request(10);
        probe.ExpectNextN(2);
        probe.ExpectComplete();
        AwaitAssert(() =>
        {
            supervisor.Tell(GetInFlight.Instance);
            Assert.Equal(0, ExpectMsg<InFlightCount>(Patience).Count);
        }, Patience);
    }

    [Fact]
    public async Task Slow_consumer_backpressures_the_upstream_read()
    {
        _client.Script("m1", new Streams(100));
        var (_, _, reply) = Start(TestEngine.Request("openai/m1", stream: true));
        var probe = reply.Chunks.RunWith(this.SinkProbe<StreamChunk>(), Materializer);

        probe.Request(1);
        probe.ExpectNext();
        // Give the stream every chance to read ahead; it may only fill its small internal buffers.
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var pulled = _client.Pulled;

        Assert.True(pulled < 100, $"the upstream was read {pulled} times although only one chunk was requested");
        probe.Cancel();
    }

    [Fact]
    public async Task Cancelling_a_stream_cancels_the_upstream_call()
    {
        _client.Script("m1", new Streams(50, ChunkDelay: TimeSpan.FromMilliseconds(50)));
        var (supervisor, id, reply) = Start(TestEngine.Request("openai/m1", stream: true));
        var probe = reply.Chunks.RunWith(this.SinkProbe<StreamChunk>(), Materializer);
        probe.Request(2);
        probe.ExpectNextN(2);

        supervisor.Tell(new CancelCompletion(id));

        await _client.CancellationSeen.Task.WaitAsync(Patience);
        probe.Request(100);
        probe.ExpectNextOrError();
    }

    [Fact]
    public async Task A_consumer_that_stops_reading_cancels_the_upstream_call()
    {
        _client.Script("m1", new Streams(50, ChunkDelay: TimeSpan.FromMilliseconds(50)));
        var (_, _, reply) = Start(TestEngine.Request("openai/m1", stream: true));
        var probe = reply.Chunks.RunWith(this.SinkProbe<StreamChunk>(), Materializer);
        probe.Request(2);
        probe.ExpectNextN(2);

        probe.Cancel();

        await _client.CancellationSeen.Task.WaitAsync(Patience);
        Assert.Equal(1, _client.CancelledCount);
    }
}
