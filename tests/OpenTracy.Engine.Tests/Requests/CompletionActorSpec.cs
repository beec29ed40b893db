using Akka.Actor;
using Akka.TestKit.Xunit2;
using OpenTracy.Engine.Requests;
using OpenTracy.Engine.Tests.Support;
using OpenTracy.Providers;
using Xunit.Abstractions;
using static OpenTracy.Engine.Tests.Support.ScriptedProviderClient;

namespace OpenTracy.Engine.Tests.Requests;

/// <summary>Retry and fallback as supervision: the CompletionActor with a scripted provider client.</summary>
public sealed class CompletionActorSpec(ITestOutputHelper output) : TestKit(output: output)
{
    /// <summary>Timers fire on the OS tick: a lower bound on a measured delay allows that much.</summary>
    private static readonly TimeSpan TimerTick = TimeSpan.FromMilliseconds(30);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly ScriptedProviderClient _client = new();

    private IActorRef Supervisor(string? overrides = null)
        => Sys.ActorOf(RequestsSupervisor.Props(TestEngine.Services(_client, overrides)));

    private static string NewId() => Guid.NewGuid().ToString("N");

    private T Run<T>(Wire.ChatRequest request, string? overrides = null) where T : ICompletionReply
    {
        Supervisor(overrides).Tell(new ChatCompletionRequest(NewId(), request));
        return ExpectMsg<T>(Patience);
    }

    [Fact]
    public void First_candidate_answers_in_one_attempt()
    {
        var reply = Run<CompletionAnswered>(TestEngine.Request("openai/m1"));

        Assert.Equal("default answer from m1", reply.Response.Content);
        Assert.Equal(new RouteInfo("openai/m1", "openai", 1, reply.Route.RoutingMs), reply.Route);
        Assert.Single(_client.Calls);
        Assert.Equal("m1", _client.Calls[0].Request.Body.Model);
    }

    [Fact]
    public void Answer_carries_cost_from_the_price_table()
    {
        var reply = Run<CompletionAnswered>(TestEngine.Request("openai/m1"));

        // m1 costs $1 in / $2 out per 1M tokens; the scripted usage is 10 in, 20 out.
        Assert.NotNull(reply.Response.Cost);
        Assert.Equal(10 / 1e6 * 1 + 20 / 1e6 * 2, reply.Response.Cost!.TotalCostUsd, 12);
    }

    [Fact]
    public void Retryable_failure_is_retried_num_retries_times_per_candidate_then_falls_back()
    {
        _client.Script("m1", new Fail(Status(503)), new Fail(Status(503)), new Fail(Status(503)));

        var reply = Run<CompletionAnswered>(TestEngine.Request("openai/m1", fallbacks: ["openai/m2"], numRetries: 2));

        Assert.Equal(3, _client.CallsTo("m1").Count);
        Assert.Single(_client.CallsTo("m2"));
        Assert.Equal("openai/m2", reply.Route.SelectedModel);
        Assert.Equal(4, reply.Route.Attempts);
    }

    [Fact]
    public void Retry_succeeds_on_the_same_candidate()
    {
        _client.Script("m1", new Fail(Status(500)), new Answer("second time lucky"));

        var reply = Run<CompletionAnswered>(TestEngine.Request("openai/m1", fallbacks: ["openai/m2"], numRetries: 1));

        Assert.Equal("second time lucky", reply.Response.Content);
        Assert.Equal(2, reply.Route.Attempts);
        Assert.Empty(_client.CallsTo("m2"));
    }

    [Fact]
    public void Fallbacks_are_tried_in_order()
    {
        _client.Script("m1", new Fail(Status(503)));
        _client.Script("m2", new Fail(Status(502)));

        var reply = Run<CompletionAnswered>(TestEngine.Request("openai/m1", fallbacks: ["openai/m2", "anthropic/m3"]));

        Assert.Equal(["m1", "m2", "m3"], _client.Calls.Select(c => c.Model));
        Assert.Equal("anthropic", _client.Calls[2].Provider);
        Assert.Equal(new RouteInfo("anthropic/m3", "anthropic", 3, reply.Route.RoutingMs), reply.Route);
    }

    [Fact]
    public void Non_retryable_failure_moves_to_the_next_candidate_without_retrying()
    {
        _client.Script("m1", new Fail(Status(400)), new Answer("must not be used"));

        var reply = Run<CompletionAnswered>(TestEngine.Request("openai/m1", fallbacks: ["openai/m2"], numRetries: 3));

        Assert.Single(_client.CallsTo("m1"));
        Assert.Equal("openai/m2", reply.Route.SelectedModel);
        Assert.Equal(2, reply.Route.Attempts);
    }

    [Fact]
    public void Retry_after_is_honoured_before_the_retry()
    {
        // Backoff is 10 ms here, so a gap of a second can only come from the provider's Retry-After.
        _client.Script("m1", new Fail(Status(429, TimeSpan.FromSeconds(1))), new Answer("after waiting"));

        var reply = Run<CompletionAnswered>(TestEngine.Request("openai/m1", numRetries: 1));

        Assert.Equal("after waiting", reply.Response.Content);
        var calls = _client.CallsTo("m1");
        Assert.Equal(2, calls.Count);
        Assert.True(calls[1].At - calls[0].At >= TimeSpan.FromSeconds(1) - TimerTick, $"retried after {(calls[1].At - calls[0].At).TotalMilliseconds} ms");
    }

    [Fact]
    public void Exponential_backoff_from_configuration_separates_retries()
    {
        _client.Script("m1", new Fail(Status(503)), new Fail(Status(503)), new Answer("third"));

        Run<CompletionAnswered>(TestEngine.Request("openai/m1", numRetries: 2),
            "opentracy.upstream { backoff-base = 200ms, backoff-max = 10s }");

        var calls = _client.CallsTo("m1");
        Assert.Equal(3, calls.Count);
        Assert.True(calls[1].At - calls[0].At >= TimeSpan.FromMilliseconds(200) - TimerTick);
        Assert.True(calls[2].At - calls[1].At >= TimeSpan.FromMilliseconds(400) - TimerTick);
    }

    [Fact]
    public void Retry_after_longer_than_the_maximum_skips_to_the_next_candidate()
    {
        _client.Script("m1", new Fail(Status(429, TimeSpan.FromMinutes(2))));

        var reply = Run<CompletionAnswered>(TestEngine.Request("openai/m1", fallbacks: ["openai/m2"], numRetries: 2));

        Assert.Single(_client.CallsTo("m1"));
        Assert.Equal("openai/m2", reply.Route.SelectedModel);
    }

    [Fact]
    public void Exhausted_plan_returns_the_last_error()
    {
        _client.Script("m1", new Fail(Status(500)));
        _client.Script("m2", new Fail(Status(429, TimeSpan.FromSeconds(7))));

        var reply = Run<CompletionFailed>(TestEngine.Request("openai/m1", fallbacks: ["openai/m2"]));

        Assert.Equal(429, reply.Error.Status);
        Assert.Equal(TimeSpan.FromSeconds(7), reply.Error.RetryAfter);
        Assert.Equal("provider openai error (status 429): scripted 429", reply.Error.Message);
        Assert.Equal(new RouteInfo("openai/m2", "openai", 2, reply.Route!.RoutingMs), reply.Route);
    }

    [Fact]
    public void Upstream_5xx_after_retries_maps_to_502()
    {
        _client.Script("m1", new Fail(Status(503)), new Fail(Status(503)));

        var reply = Run<CompletionFailed>(TestEngine.Request("openai/m1", numRetries: 1));

        Assert.Equal(502, reply.Error.Status);
        Assert.Equal(2, reply.Route!.Attempts);
    }

    [Fact]
    public void Timeout_maps_to_504()
    {
        _client.Script("m1", new Fail(new ProviderException("openai", ProviderFailureKind.Timeout, null, "no answer")));

        var reply = Run<CompletionFailed>(TestEngine.Request("openai/m1"));

        Assert.Equal(504, reply.Error.Status);
    }

    [Fact]
    public void Unexpected_exception_fails_the_candidate_like_any_other_error()
    {
        _client.Script("m1", new Throw(new InvalidOperationException("boom")));

        var reply = Run<CompletionAnswered>(TestEngine.Request("openai/m1", fallbacks: ["openai/m2"], numRetries: 2));

        Assert.Single(_client.CallsTo("m1"));
        Assert.Equal("openai/m2", reply.Route.SelectedModel);
    }

    [Fact]
    public void Num_retries_comes_from_configuration_when_the_body_has_none()
    {
        _client.Script("m1", new Fail(Status(503)), new Fail(Status(503)), new Answer("ok"));

        var reply = Run<CompletionAnswered>(TestEngine.Request("openai/m1"), "opentracy.upstream.default-num-retries = 2");

        Assert.Equal(3, reply.Route.Attempts);
    }

    [Fact]
    public async Task Cancelling_the_request_stops_its_actors_and_cancels_the_upstream_call()
    {
        _client.Script("m1", new Hang());
        var supervisor = Supervisor();
        var id = NewId();
        supervisor.Tell(new ChatCompletionRequest(id, TestEngine.Request("openai/m1")));
        AwaitCondition(() => _client.Calls.Count == 1, Patience);
        var request = await Sys.ActorSelection(supervisor.Path / id).ResolveOne(Patience);
        var child = await Sys.ActorSelection(supervisor.Path / id / "call-0").ResolveOne(Patience);
        Watch(request);
        Watch(child);

        supervisor.Tell(new CancelCompletion(id));

        ExpectTerminated(child, Patience);
        ExpectTerminated(request, Patience);
        await _client.CancellationSeen.Task.WaitAsync(Patience);
        Assert.Equal(1, _client.CancelledCount);
        supervisor.Tell(GetInFlight.Instance);
        Assert.Equal(0, ExpectMsg<InFlightCount>(Patience).Count);
    }

    [Fact]
    public void In_flight_counts_requests_until_they_finish()
    {
        _client.Script("m1", new Hang());
        var supervisor = Supervisor();
        var id = NewId();
        supervisor.Tell(new ChatCompletionRequest(id, TestEngine.Request("openai/m1")));
        AwaitCondition(() => _client.Calls.Count == 1, Patience);
        supervisor.Tell(GetInFlight.Instance);
        Assert.Equal(1, ExpectMsg<InFlightCount>(Patience).Count);

        supervisor.Tell(new CancelCompletion(id));
        AwaitAssert(() =>
        {
            supervisor.Tell(GetInFlight.Instance);
            Assert.Equal(0, ExpectMsg<InFlightCount>(Patience).Count);
        }, Patience);
    }
}
