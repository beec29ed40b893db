using System.Net;
using System.Text.Json.Nodes;
using OpenTracy.Node.Tests.Support;

namespace OpenTracy.Node.Tests;

/// <summary>The real node against the mock provider: every wire format, JSON and SSE, retries, fallbacks, disconnects.</summary>
public sealed class ChatCompletionsTests(NodeFixture fx) : IClassFixture<NodeFixture>
{
    /// <summary>One model per wire format; the price table knows each, so answers carry <c>cost</c>.</summary>
    public static TheoryData<string, string> Formats => new()
    {
        { "openai/gpt-4o-mini", "openai" },
        { "anthropic/claude-3-5-haiku-20241022", "anthropic" },
        { "bedrock/amazon.nova-lite-v1:0", "bedrock" },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Non_streaming_answer_through_each_wire_format(string model, string provider)
    {
        var id = NodeFixture.NewId("json");

        using var response = await fx.PostAsync(NodeFixture.Body(model, $"hello there [mock id={id}]"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("chat.completion", (string?)body["object"]);
        Assert.Equal("echo: hello there", (string?)body["choices"]![0]!["message"]!["content"]);
        Assert.True((int)body["usage"]!["completion_tokens"]! > 0);
        Assert.True((double)body["cost"]!["total_cost_usd"]! > 0);
        Assert.Equal(model, Header(response, "X-OpenTracy-Selected-Model"));
        Assert.Equal(provider, Header(response, "X-OpenTracy-Provider"));
        Assert.Equal("1", Header(response, "X-OpenTracy-Attempts"));
        Assert.NotNull(Header(response, "X-OpenTracy-Routing-Ms"));
        Assert.Equal(1, fx.Mock.GetStats(id).Requests);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Streaming_answer_through_each_wire_format(string model, string provider)
    {
        var id = NodeFixture.NewId("sse");

        using var response = await fx.PostStreamingAsync(NodeFixture.Body(model, $"one two three [mock id={id} chunks=3]", stream: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(provider, Header(response, "X-OpenTracy-Provider"));
        var events = await Sse.AllDataAsync(response);
        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal("echo: one two three", Sse.Content(events).Trim());
        // No usage chunk unless the client asks for one.
        Assert.DoesNotContain(events[..^1], e => JsonNode.Parse(e)!["usage"] is not null);
    }

    [Fact]
    public async Task Include_usage_ends_the_stream_with_a_usage_chunk_that_carries_cost()
    {
        var id = NodeFixture.NewId("usage");

        using var response = await fx.PostStreamingAsync(NodeFixture.Body("anthropic/claude-3-5-haiku-20241022", $"count these words [mock id={id}]",
            stream: true, extra: "\"stream_options\":{\"include_usage\":true}"));

        var events = await Sse.AllDataAsync(response);
        Assert.Equal("[DONE]", events[^1]);
        var usage = JsonNode.Parse(events[^2])!;
        Assert.Empty(usage["choices"]!.AsArray());
        Assert.True((int)usage["usage"]!["prompt_tokens"]! > 0);
        Assert.True((int)usage["usage"]!["total_tokens"]! > 0);
        Assert.True((double)usage["cost"]!["total_cost_usd"]! > 0);
    }

    [Fact]
    public async Task Falls_back_after_a_provider_answers_503_three_times()
    {
        var id = NodeFixture.NewId("fallback");
        var body = NodeFixture.Body("openai/gpt-4o-mini", $"hi [mock id={id} status=503 fail-times=3]",
            extra: "\"num_retries\":2,\"fallbacks\":[\"anthropic/claude-3-5-haiku-20241022\"]");

        using var response = await fx.PostAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("anthropic/claude-3-5-haiku-20241022", Header(response, "X-OpenTracy-Selected-Model"));
        Assert.Equal("anthropic", Header(response, "X-OpenTracy-Provider"));
        Assert.Equal("4", Header(response, "X-OpenTracy-Attempts"));
        Assert.Equal(4, fx.Mock.GetStats(id).Requests);
        var recorded = fx.Mock.GetRequests(id);
        Assert.Equal(3, recorded.Count(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal)));
        Assert.Single(recorded, r => r.Path.EndsWith("/messages", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retries_then_succeeds_on_the_same_provider_in_a_stream()
    {
        var id = NodeFixture.NewId("stream-retry");
        var body = NodeFixture.Body("bedrock/amazon.nova-lite-v1:0", $"a b [mock id={id} status=503 fail-times=2 chunks=2]", stream: true, extra: "\"num_retries\":2");

        using var response = await fx.PostStreamingAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("3", Header(response, "X-OpenTracy-Attempts"));
        Assert.Equal("echo: a b", Sse.Content(await Sse.AllDataAsync(response)).Trim());
    }

    [Fact]
    public async Task Exhausted_plan_answers_with_the_last_provider_error()
    {
        var id = NodeFixture.NewId("exhausted");
        var body = NodeFixture.Body("anthropic/claude-3-5-haiku-20241022", $"hi [mock id={id} status=500]",
            extra: "\"num_retries\":1,\"fallbacks\":[\"bedrock/amazon.nova-lite-v1:0\"]");

        using var response = await fx.PostAsync(body);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.StartsWith("provider bedrock error (status 500)", (string?)error["message"]);
        Assert.Equal("4", Header(response, "X-OpenTracy-Attempts"));
        Assert.Equal("bedrock/amazon.nova-lite-v1:0", Header(response, "X-OpenTracy-Selected-Model"));
    }

    [Theory]
    [InlineData(400, 400)]
    [InlineData(401, 401)]
    [InlineData(404, 404)]
    [InlineData(422, 422)]
    [InlineData(500, 502)]
    [InlineData(503, 502)]
    public async Task Provider_status_maps_to_the_documented_status(int upstream, int expected)
    {
        var id = NodeFixture.NewId("status");

        using var response = await fx.PostAsync(NodeFixture.Body("anthropic/claude-3-5-haiku-20241022", $"hi [mock id={id} status={upstream}]"));

        Assert.Equal(expected, (int)response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.StartsWith($"provider anthropic error (status {upstream}): ", (string?)error["message"]);
        Assert.NotNull((string?)error["type"]);
    }

    [Fact]
    public async Task Rate_limited_upstream_is_429_with_retry_after()
    {
        var id = NodeFixture.NewId("429");

        using var response = await fx.PostAsync(NodeFixture.Body("bedrock/amazon.nova-lite-v1:0", $"hi [mock id={id} status=429 retry-after=7]"));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Equal("rate_limit_error", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["type"]);
    }

    [Fact]
    public async Task Client_disconnect_mid_stream_cancels_the_upstream_call()
    {
        var id = NodeFixture.NewId("disconnect-stream");
        using var cts = new CancellationTokenSource();
        var response = await fx.PostStreamingAsync(NodeFixture.Body("anthropic/claude-3-5-haiku-20241022",
            $"a b c d e f g h i j k l m n o p q r s t [mock id={id} chunks=40 chunk-delay-ms=300]", stream: true), cts.Token);
        var read = 0;
        await foreach (var _ in Sse.DataAsync(response))
        {
            if (++read == 2) break;
        }

        response.Dispose(); // closes the connection: the node sees RequestAborted

        var stats = await fx.StatsAsync(id, s => s.Cancelled >= 1);
        Assert.Equal(1, stats.Cancelled);
        Assert.Equal(0, stats.Completed);
    }

    [Fact]
    public async Task Client_disconnect_cancels_a_non_streaming_upstream_call()
    {
        var id = NodeFixture.NewId("disconnect-json");
        using var cts = new CancellationTokenSource();
        var call = fx.PostAsync(NodeFixture.Body("bedrock/amazon.nova-lite-v1:0", $"hi [mock id={id} hang=1]"), cts.Token);
        await fx.StatsAsync(id, s => s.Requests >= 1);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        var stats = await fx.StatsAsync(id, s => s.Cancelled >= 1);
        Assert.Equal(1, stats.Cancelled);
    }

    [Fact]
    public async Task Failure_after_the_first_chunk_ends_the_stream_with_an_error_event_then_done()
    {
        var id = NodeFixture.NewId("midstream");

        using var response = await fx.PostStreamingAsync(NodeFixture.Body("anthropic/claude-3-5-haiku-20241022",
            $"one two three four [mock id={id} chunks=4 drop-after=2]", stream: true, extra: "\"num_retries\":3"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = await Sse.AllDataAsync(response);
        Assert.Equal("[DONE]", events[^1]);
        var error = JsonNode.Parse(events[^2])!["error"];
        Assert.NotNull(error);
        Assert.NotNull((string?)error!["message"]);
        Assert.NotNull((string?)error["type"]);
        Assert.Equal(1, fx.Mock.GetStats(id).Requests);
    }

    private static string? Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) ? values.Single() : null;
}
