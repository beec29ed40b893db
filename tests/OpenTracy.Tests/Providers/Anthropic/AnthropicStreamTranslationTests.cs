using System.Text;
using System.Text.Json.Nodes;
using OpenTracy.Providers;
using OpenTracy.Providers.Anthropic;
using OpenTracy.Providers.Http;
using OpenTracy.Wire;
using static OpenTracy.Tests.Providers.Anthropic.AnthropicTestSupport;

namespace OpenTracy.Tests.Providers.Anthropic;

public sealed class AnthropicStreamTranslationTests
{
    private const long Created = 1_760_000_000;

    /// <summary>Runs raw SSE text through <see cref="SseReader"/> and the translator, as the client does.</summary>
    private static async Task<(List<StreamChunk> Chunks, bool Completed)> RunAsync(string sse)
    {
        var translator = new AnthropicStreamTranslator(Model, Created, Provider);
        var chunks = new List<StreamChunk>();
        using var body = new MemoryStream(Encoding.UTF8.GetBytes(sse));
        await foreach (var ev in SseReader.ReadAsync(body, CancellationToken.None))
        {
            if (translator.Translate(ev) is { } chunk) chunks.Add(chunk);
            if (translator.Completed) break;
        }
        return (chunks, translator.Completed);
    }

    private static string Event(string name, string data) => $"event: {name}\ndata: {data}\n\n";

    [Fact]
    public async Task Text_and_two_tool_calls_keep_their_own_indexes_and_usage_carries_prompt_tokens()
    {
        var sse =
            Event("message_start", """{"type":"message_start","message":{"id":"msg_s1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"usage":{"input_tokens":25,"output_tokens":1}}}""") +
            Event("ping", """{"type":"ping"}""") +
            Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me "}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"check."}}""") +
            Event("content_block_stop", """{"type":"content_block_stop","index":0}""") +
            Event("content_block_start", """{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_A","name":"get_weather","input":{}}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}""") +
            Event("content_block_stop", """{"type":"content_block_stop","index":1}""") +
            Event("content_block_start", """{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_B","name":"get_time","input":{}}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"tz\":\"CET\"}"}}""") +
            Event("content_block_stop", """{"type":"content_block_stop","index":2}""") +
            Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":40}}""") +
            Event("message_stop", """{"type":"message_stop"}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"after the end"}}""");

        var (chunks, completed) = await RunAsync(sse);

        Assert.True(completed);
        const string head = "\"id\":\"msg_s1\",\"object\":\"chat.completion.chunk\",\"created\":1760000000,\"model\":\"claude-sonnet-4-5\"";
        JsonEqual($$$"""
            [
              { {{{head}}}, "choices":[{"index":0,"delta":{"role":"assistant"}}]},
              { {{{head}}}, "choices":[{"index":0,"delta":{"content":"Let me "}}]},
              { {{{head}}}, "choices":[{"index":0,"delta":{"content":"check."}}]},
              { {{{head}}}, "choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"toolu_A","type":"function","function":{"name":"get_weather","arguments":""}}]}}]},
              { {{{head}}}, "choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]},
              { {{{head}}}, "choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}}]},
              { {{{head}}}, "choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"toolu_B","type":"function","function":{"name":"get_time","arguments":""}}]}}]},
              { {{{head}}}, "choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"tz\":\"CET\"}"}}]}}]},
              { {{{head}}}, "choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],
                "usage":{"prompt_tokens":25,"completion_tokens":40,"total_tokens":65}}
            ]
            """, new JsonArray([.. chunks.Select(ToNode)]));
    }

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("max_tokens", "length")]
    public async Task Message_delta_maps_the_stop_reason(string stopReason, string finishReason)
    {
        var (chunks, _) = await RunAsync(
            Event("message_start", """{"type":"message_start","message":{"id":"m","usage":{"input_tokens":3}}}""") +
            Event("message_delta", $$$"""{"type":"message_delta","delta":{"stop_reason":"{{{stopReason}}}"},"usage":{"output_tokens":2}}"""));
        Assert.Equal(finishReason, chunks[^1].Choices[0].FinishReason);
        Assert.Equal(Usage.Of(3, 2).TotalTokens, chunks[^1].Usage!.TotalTokens);
    }

    [Theory]
    [InlineData("overloaded_error", 529, true)]
    [InlineData("rate_limit_error", 429, true)]
    [InlineData("api_error", 500, true)]
    [InlineData("invalid_request_error", 400, false)]
    [InlineData("authentication_error", 401, false)]
    public async Task Error_events_become_provider_exceptions_with_the_documented_status(string type, int status, bool retryable)
    {
        var sse =
            Event("message_start", """{"type":"message_start","message":{"id":"m","usage":{"input_tokens":3}}}""") +
            Event("error", $$$"""{"type":"error","error":{"type":"{{{type}}}","message":"Something happened"}}""");
        var ex = await Assert.ThrowsAsync<ProviderException>(() => RunAsync(sse));
        Assert.Equal(ProviderFailureKind.HttpStatus, ex.Kind);
        Assert.Equal(status, ex.StatusCode);
        Assert.Equal(retryable, ex.IsRetryable);
        Assert.Contains("Something happened", ex.ProviderMessage);
    }

    [Theory]
    [InlineData("data: {not json\n\n")]
    [InlineData("data: [1,2]\n\n")]
    [InlineData("data: {\"type\":\"content_block_delta\",\"index\":4,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}\n\n")]
    public async Task Malformed_events_are_invalid_responses(string sse)
    {
        var ex = await Assert.ThrowsAsync<ProviderException>(() => RunAsync(sse));
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
    }

    [Fact]
    public async Task A_stream_without_message_stop_is_not_completed()
    {
        var (chunks, completed) = await RunAsync(
            Event("message_start", """{"type":"message_start","message":{"id":"m","usage":{"input_tokens":3}}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"cut"}}"""));
        Assert.False(completed);
        Assert.Equal("cut", chunks[^1].ContentDelta);
    }
}
