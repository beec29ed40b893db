using System.Text.Json.Nodes;
using OpenTracy.Providers;
using OpenTracy.Wire;
using static OpenTracy.Tests.Providers.Anthropic.AnthropicMockFixture;
using static OpenTracy.Tests.Providers.Anthropic.AnthropicTestSupport;

namespace OpenTracy.Tests.Providers.Anthropic;

/// <summary>The Anthropic client against the mock provider over loopback HTTP.</summary>
public sealed class AnthropicRoundTripTests(AnthropicMockFixture fx) : IClassFixture<AnthropicMockFixture>
{
    private const string WeatherTool =
        """[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]""";

    private static ChatRequest UserSays(string text, bool withTool = false)
    {
        var message = new JsonObject { ["role"] = "user", ["content"] = text };
        var body = new JsonObject { ["model"] = "anthropic/claude-sonnet-4-5", ["messages"] = new JsonArray(message) };
        if (withTool) body["tools"] = JsonNode.Parse(WeatherTool);
        return Request(body.ToJsonString());
    }

    private async Task<List<StreamChunk>> CollectAsync(ProviderRequest request, CancellationToken ct = default)
    {
        var chunks = new List<StreamChunk>();
        await foreach (var chunk in fx.Client.StreamAsync(request, ct)) chunks.Add(chunk);
        return chunks;
    }

    [Fact]
    public async Task A_completion_round_trips_with_the_anthropic_headers_and_the_translated_body()
    {
        var id = NewId("rt-json");
        var body = Request($$$"""
            {"model":"anthropic/claude-sonnet-4-5","temperature":0.5,"stop":"END","seed":3,"messages":[
              {"role":"system","content":"Be brief."},
              {"role":"system","content":"Use English."},
              {"role":"user","content":"hello there [mock id={{{id}}}]"}]}
            """);

        var response = await fx.Client.CompleteAsync(fx.Request(body), CancellationToken.None);

        Assert.Equal("echo: hello there", response.Content);
        Assert.Equal("stop", response.Choices[0].FinishReason);
        Assert.StartsWith("msg_", response.Id);
        Assert.Equal(Model, response.Model);
        Assert.True(response.Created > 0);
        Assert.True(response.Usage!.PromptTokens > 0);
        Assert.True(response.Usage.CompletionTokens > 0);
        Assert.Equal(response.Usage.PromptTokens + response.Usage.CompletionTokens, response.Usage.TotalTokens);

        var recorded = Assert.Single(fx.Mock.GetRequests(id));
        Assert.Equal("POST", recorded.Method);
        Assert.Equal("/v1/messages", recorded.Path);
        Assert.Equal(ApiKey, recorded.Headers["x-api-key"]);
        Assert.Equal("2023-06-01", recorded.Headers["anthropic-version"]);
        Assert.StartsWith("application/json", recorded.Headers["content-type"]);
        Assert.False(recorded.Headers.ContainsKey("authorization"));
        JsonEqual($$$"""
            {"model":"claude-sonnet-4-5","max_tokens":1024,"system":"Be brief.\n\nUse English.",
             "messages":[{"role":"user","content":[{"type":"text","text":"hello there [mock id={{{id}}}]"}]}],
             "temperature":0.5,"stop_sequences":["END"]}
            """, JsonNode.Parse(recorded.Body));
        Assert.Equal(1, (await fx.StatsAsync(id, s => s.Completed == 1)).Completed);
    }

    [Fact]
    public async Task A_stream_round_trips_into_openai_chunks_with_prompt_tokens_in_the_usage()
    {
        var id = NewId("rt-sse");
        var chunks = await CollectAsync(fx.Request(UserSays($"hello there [mock id={id} chunks=3]")));

        Assert.Equal("assistant", chunks[0].Choices[0].Delta.Role);
        Assert.Equal("echo: hello there", string.Concat(chunks.Select(c => c.ContentDelta)));
        Assert.All(chunks, c =>
        {
            Assert.StartsWith("msg_", c.Id);
            Assert.Equal(chunks[0].Id, c.Id);
            Assert.Equal("chat.completion.chunk", c.Object);
            Assert.Equal(Model, c.Model);
            Assert.True(c.Created > 0);
        });
        var last = chunks[^1];
        Assert.Equal("stop", last.Choices[0].FinishReason);
        Assert.True(last.Usage!.PromptTokens > 0);
        Assert.True(last.Usage.CompletionTokens > 0);
        Assert.Equal(last.Usage.PromptTokens + last.Usage.CompletionTokens, last.Usage.TotalTokens);

        var recorded = Assert.Single(fx.Mock.GetRequests(id));
        Assert.Equal("2023-06-01", recorded.Headers["anthropic-version"]);
        Assert.Equal(ApiKey, recorded.Headers["x-api-key"]);
        Assert.Equal("text/event-stream", recorded.Headers["accept"]);
        Assert.True((bool)JsonNode.Parse(recorded.Body)!["stream"]!);
    }

    [Fact]
    public async Task A_tool_call_comes_back_as_openai_tool_calls()
    {
        var id = NewId("rt-tool");
        var response = await fx.Client.CompleteAsync(
            fx.Request(UserSays($$$"""weather? [mock id={{{id}}} tool=get_weather args={"city":"Paris"}]""", withTool: true)), CancellationToken.None);

        var message = response.Choices[0].Message!;
        Assert.Null(message.Content);
        var call = Assert.Single(message.ToolCalls!);
        Assert.StartsWith("toolu_", call.Id);
        Assert.Equal("function", call.Type);
        Assert.Equal("get_weather", call.Function!.Name);
        JsonEqual("""{"city":"Paris"}""", JsonNode.Parse(call.Function.Arguments!));
        Assert.Equal("tool_calls", response.Choices[0].FinishReason);

        JsonEqual("""
            [{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]
            """, JsonNode.Parse(Assert.Single(fx.Mock.GetRequests(id)).Body)!["tools"]);
    }

    [Fact]
    public async Task A_streamed_tool_call_assembles_by_index()
    {
        var id = NewId("rt-tool-sse");
        var chunks = await CollectAsync(
            fx.Request(UserSays($$$"""weather? [mock id={{{id}}} tool=get_weather args={"city":"Paris","days":3}]""", withTool: true)));

        var toolDeltas = chunks.SelectMany(c => c.Choices[0].Delta.ToolCalls ?? []).ToList();
        var start = toolDeltas[0];
        Assert.Equal(0, start.Index);
        Assert.StartsWith("toolu_", start.Id);
        Assert.Equal("get_weather", start.Function!.Name);
        Assert.All(toolDeltas, d => Assert.Equal(0, d.Index));
        var arguments = string.Concat(toolDeltas.Select(d => d.Function?.Arguments));
        JsonEqual("""{"city":"Paris","days":3}""", JsonNode.Parse(arguments));
        Assert.Equal("tool_calls", chunks[^1].Choices[0].FinishReason);
    }

    [Theory]
    [InlineData(429, true)]
    [InlineData(529, true)]
    [InlineData(400, false)]
    public async Task An_error_status_becomes_a_provider_exception_with_retry_after(int status, bool retryable)
    {
        var id = NewId("rt-status");
        var ex = await Assert.ThrowsAsync<ProviderException>(() =>
            fx.Client.CompleteAsync(fx.Request(UserSays($"hi [mock id={id} status={status} retry-after=7]")), CancellationToken.None));

        Assert.Equal(ProviderFailureKind.HttpStatus, ex.Kind);
        Assert.Equal(status, ex.StatusCode);
        Assert.Equal(retryable, ex.IsRetryable);
        Assert.Equal(TimeSpan.FromSeconds(7), ex.RetryAfter);
        Assert.Contains("\"type\":\"error\"", ex.ProviderMessage);
        Assert.DoesNotContain(ApiKey, ex.ToString());
    }

    [Fact]
    public async Task An_error_status_on_a_stream_fails_before_any_chunk()
    {
        var id = NewId("rt-status-sse");
        var ex = await Assert.ThrowsAsync<ProviderException>(() => CollectAsync(fx.Request(UserSays($"hi [mock id={id} status=429 retry-after=3]"))));
        Assert.Equal(429, ex.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), ex.RetryAfter);
    }

    [Fact]
    public async Task A_missing_key_is_the_upstreams_401()
    {
        var ex = await Assert.ThrowsAsync<ProviderException>(() =>
            fx.Client.CompleteAsync(fx.Request(UserSays("hi"), apiKey: null), CancellationToken.None));
        Assert.Equal(401, ex.StatusCode);
        Assert.False(ex.IsRetryable);
    }

    [Fact]
    public async Task An_error_event_mid_stream_becomes_a_retryable_529()
    {
        var id = NewId("rt-error-event");
        var received = new List<StreamChunk>();
        var ex = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (var c in fx.Client.StreamAsync(fx.Request(UserSays($"one two three four [mock id={id} chunks=4 error-after=2]")), CancellationToken.None))
                received.Add(c);
        });
        Assert.Equal(529, ex.StatusCode);
        Assert.True(ex.IsRetryable);
        Assert.Contains("overloaded_error", ex.ProviderMessage);
        Assert.NotEmpty(received);
    }

    [Fact]
    public async Task A_dropped_stream_is_a_transport_failure()
    {
        var id = NewId("rt-drop");
        var received = new List<StreamChunk>();
        var ex = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (var c in fx.Client.StreamAsync(fx.Request(UserSays($"one two three four [mock id={id} chunks=4 drop-after=2]")), CancellationToken.None))
                received.Add(c);
        });
        Assert.Equal(ProviderFailureKind.Transport, ex.Kind);
        Assert.True(ex.IsRetryable);
        Assert.Contains(received, c => c.ContentDelta is { Length: > 0 });
    }

    [Fact]
    public async Task A_dropped_json_body_is_a_transport_failure()
    {
        var id = NewId("rt-drop-json");
        var ex = await Assert.ThrowsAsync<ProviderException>(() =>
            fx.Client.CompleteAsync(fx.Request(UserSays($"hi [mock id={id} drop-after=0]")), CancellationToken.None));
        Assert.Equal(ProviderFailureKind.Transport, ex.Kind);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Garbage_is_an_invalid_response(bool stream)
    {
        var request = fx.Request(UserSays($"hi [mock id={NewId("rt-garbage")} garbage=1]"));
        var ex = await Assert.ThrowsAsync<ProviderException>(() => stream ? CollectAsync(request) : fx.Client.CompleteAsync(request, CancellationToken.None));
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
        Assert.False(ex.IsRetryable);
    }

    [Fact]
    public async Task Cancelling_a_completion_aborts_the_upstream_call()
    {
        var id = NewId("rt-cancel-json");
        using var cts = new CancellationTokenSource();
        var call = fx.Client.CompleteAsync(fx.Request(UserSays($"hi [mock id={id} hang=1]")), cts.Token);
        await fx.StatsAsync(id, s => s.Requests == 1);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(1, (await fx.StatsAsync(id, s => s.Cancelled == 1)).Cancelled);
    }

    [Fact]
    public async Task Cancelling_a_stream_aborts_the_upstream_call()
    {
        var id = NewId("rt-cancel-sse");
        using var cts = new CancellationTokenSource();
        var received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in fx.Client.StreamAsync(fx.Request(UserSays($"a b c d e f g h [mock id={id} chunks=8 chunk-delay-ms=300]")), cts.Token))
                if (++received == 2) cts.Cancel();
        });
        Assert.Equal(1, (await fx.StatsAsync(id, s => s.Cancelled == 1)).Cancelled);
        Assert.Equal(0, fx.Mock.GetStats(id).Completed);
    }

    [Fact]
    public async Task A_slow_upstream_is_a_timeout()
    {
        var id = NewId("rt-timeout");
        var timeout = TimeSpan.FromMilliseconds(300);
        var started = DateTime.UtcNow;
        var ex = await Assert.ThrowsAsync<ProviderException>(() =>
            fx.Client.CompleteAsync(fx.Request(UserSays($"hi [mock id={id} hang=1]"), timeout: timeout), CancellationToken.None));
        Assert.Equal(ProviderFailureKind.Timeout, ex.Kind);
        Assert.True(ex.IsRetryable);
        // Timers fire on the OS tick, which may land a few ms before the wall clock says the budget is spent.
        Assert.True(DateTime.UtcNow - started >= timeout - TimeSpan.FromMilliseconds(30), $"gave up after {DateTime.UtcNow - started}");
    }
}
