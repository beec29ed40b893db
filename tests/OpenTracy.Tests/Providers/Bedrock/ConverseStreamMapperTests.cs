using OpenTracy.Providers;
using OpenTracy.Providers.Bedrock;
using OpenTracy.Wire;

namespace OpenTracy.Tests.Providers.Bedrock;

public class ConverseStreamMapperTests
{
    /// <summary>Decodes hand-built frames and maps them the way the client does.</summary>
    private static async Task<List<StreamChunk>> Map(params byte[][] frames)
    {
        var mapper = new ConverseStreamMapper("amazon.nova-lite-v1:0", "bedrock-test", 42);
        var chunks = new List<StreamChunk>();
        await foreach (var m in EventStreamDecoder.ReadAsync(new TrickleStream(Frames.Concat(frames), 7), "bedrock", CancellationToken.None))
            if (mapper.Map(m) is { } c) chunks.Add(c);
        if (mapper.Complete() is { } last) chunks.Add(last);
        return chunks;
    }

    [Fact]
    public async Task Text_stream_with_usage_on_the_final_chunk()
    {
        var chunks = await Map(
            Frames.Event("messageStart", """{"role":"assistant"}"""),
            Frames.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"Hel"}}"""),
            Frames.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"lo"}}"""),
            Frames.Event("contentBlockStop", """{"contentBlockIndex":0}"""),
            Frames.Event("messageStop", """{"stopReason":"max_tokens"}"""),
            Frames.Event("metadata", """{"usage":{"inputTokens":4,"outputTokens":2,"totalTokens":6},"metrics":{"latencyMs":10}}"""));

        Assert.Equal(4, chunks.Count);
        Assert.All(chunks, c => Assert.Equal(("bedrock-test", "amazon.nova-lite-v1:0", 42L, "chat.completion.chunk"), (c.Id, c.Model, c.Created, c.Object)));
        Assert.Equal("assistant", chunks[0].Choices[0].Delta.Role);
        Assert.Equal("Hello", string.Concat(chunks.Select(c => c.ContentDelta)));
        Assert.All(chunks.Take(3), c => Assert.Null(c.Choices[0].FinishReason));
        var final = chunks[^1];
        Assert.Equal("length", final.Choices[0].FinishReason);
        Assert.Equal((4, 2, 6), (final.Usage!.PromptTokens, final.Usage.CompletionTokens, final.Usage.TotalTokens));
    }

    [Fact]
    public async Task Two_tool_calls_each_keep_their_own_index_and_streamed_arguments()
    {
        var chunks = await Map(
            Frames.Event("messageStart", """{"role":"assistant"}"""),
            Frames.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"Checking."}}"""),
            Frames.Event("contentBlockStart", """{"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"tu_a","name":"get_weather"}}}"""),
            Frames.Event("contentBlockDelta", """{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"city\":"}}}"""),
            Frames.Event("contentBlockDelta", """{"contentBlockIndex":1,"delta":{"toolUse":{"input":"\"Paris\"}"}}}"""),
            Frames.Event("contentBlockStop", """{"contentBlockIndex":1}"""),
            Frames.Event("contentBlockStart", """{"contentBlockIndex":2,"start":{"toolUse":{"toolUseId":"tu_b","name":"get_time"}}}"""),
            Frames.Event("contentBlockDelta", """{"contentBlockIndex":2,"delta":{"toolUse":{"input":"{\"tz\":\"CET\"}"}}}"""),
            Frames.Event("contentBlockStop", """{"contentBlockIndex":2}"""),
            Frames.Event("messageStop", """{"stopReason":"tool_use"}"""),
            Frames.Event("metadata", """{"usage":{"inputTokens":20,"outputTokens":9,"totalTokens":29}}"""));

        var calls = chunks.Where(c => c.Choices.Count > 0 && c.Choices[0].Delta.ToolCalls is not null)
            .Select(c => Assert.Single(c.Choices[0].Delta.ToolCalls!)).ToList();
        Assert.Equal(5, calls.Count);
        Assert.Equal((0, "tu_a", "get_weather", ""), (calls[0].Index!.Value, calls[0].Id, calls[0].Function!.Name, calls[0].Function!.Arguments));
        Assert.Equal((1, "tu_b", "get_time", ""), (calls[3].Index!.Value, calls[3].Id, calls[3].Function!.Name, calls[3].Function!.Arguments));

        string Arguments(int index) => string.Concat(calls.Where(c => c.Index == index).Select(c => c.Function!.Arguments));
        Assert.Equal("""{"city":"Paris"}""", Arguments(0));
        Assert.Equal("""{"tz":"CET"}""", Arguments(1));
        Assert.Equal("tool_calls", chunks[^1].Choices[0].FinishReason);
        Assert.Equal(29, chunks[^1].Usage!.TotalTokens);
    }

    [Fact]
    public async Task Usage_arrives_on_the_final_chunk_before_the_stream_ends()
    {
        var mapper = new ConverseStreamMapper("m", "id", 0);
        Assert.Null(mapper.Map(EventStreamDecoder.Decode(Frames.Event("messageStop", """{"stopReason":"end_turn"}"""), "bedrock")));
        var final = mapper.Map(EventStreamDecoder.Decode(Frames.Event("metadata", """{"usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2}}"""), "bedrock"));
        Assert.NotNull(final);
        Assert.Equal("stop", final.Choices[0].FinishReason);
        Assert.Equal(2, final.Usage!.TotalTokens);
        Assert.True(mapper.IsFinished);
        Assert.Null(mapper.Complete()); // nothing more is owed at the end of the body
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Message_stop_without_metadata_still_finishes_at_the_end()
    {
        var chunks = await Map(Frames.Event("messageStart", "{}"), Frames.Event("messageStop", """{"stopReason":"stop_sequence"}"""));
        Assert.Equal("stop", chunks[^1].Choices[0].FinishReason);
        Assert.Null(chunks[^1].Usage);
    }

    [Fact]
    public async Task Stream_ending_without_message_stop_is_a_transport_failure()
    {
        var ex = await Assert.ThrowsAsync<ProviderException>(() => Map(
            Frames.Event("messageStart", """{"role":"assistant"}"""),
            Frames.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"partial"}}""")));
        Assert.Equal(ProviderFailureKind.Transport, ex.Kind);
        Assert.True(ex.IsRetryable);
    }

    [Theory]
    [InlineData("throttlingException", 429, true)]
    [InlineData("serviceUnavailableException", 503, true)]
    [InlineData("internalServerException", 500, true)]
    [InlineData("modelStreamErrorException", 502, true)]
    [InlineData("validationException", 400, false)]
    public async Task Exception_events_become_provider_exceptions(string type, int status, bool retryable)
    {
        var ex = await Assert.ThrowsAsync<ProviderException>(() => Map(
            Frames.Event("messageStart", """{"role":"assistant"}"""),
            Frames.Exception(type, """{"message":"something happened"}""")));
        Assert.Equal(ProviderFailureKind.HttpStatus, ex.Kind);
        Assert.Equal(status, ex.StatusCode);
        Assert.Equal(retryable, ex.IsRetryable);
        Assert.Contains(type, ex.ProviderMessage);
        Assert.Contains("something happened", ex.ProviderMessage);
    }

    [Fact]
    public async Task Error_messages_use_their_code_and_message_headers()
    {
        var frame = Frames.Frame(
            [.. Frames.StringHeader(":message-type", "error"), .. Frames.StringHeader(":error-code", "ThrottlingException"), .. Frames.StringHeader(":error-message", "slow down")],
            []);
        var ex = await Assert.ThrowsAsync<ProviderException>(() => Map(frame));
        Assert.Equal(429, ex.StatusCode);
        Assert.Contains("slow down", ex.ProviderMessage);
    }

    [Fact]
    public async Task Event_payload_that_is_not_json_is_an_invalid_response()
    {
        var ex = await Assert.ThrowsAsync<ProviderException>(() => Map(Frames.Event("contentBlockDelta", "<html>")));
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
    }
}
