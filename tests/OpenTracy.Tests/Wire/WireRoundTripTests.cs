using System.Text.Json;
using System.Text.Json.Nodes;
using OpenTracy.Wire;

namespace OpenTracy.Tests.Wire;

public class WireRoundTripTests
{
    private static void AssertSameJson(string expected, string actual)
    {
        var e = JsonNode.Parse(expected);
        var a = JsonNode.Parse(actual);
        Assert.True(JsonNode.DeepEquals(e, a), $"JSON differs.\nexpected: {e?.ToJsonString()}\nactual:   {a?.ToJsonString()}");
    }

    private static string RoundTripRequest(string json)
        => JsonSerializer.Serialize(JsonSerializer.Deserialize(json, WireJson.Default.ChatRequest)!, WireJson.Default.ChatRequest);

    private const string RequestWithUnknownsEverywhere = """
    {
      "model": "gpt-4o",
      "messages": [
        {"role": "system", "content": "be brief", "x_msg_flag": true},
        {"role": "user", "content": [
          {"type": "text", "text": "what is this?", "cache_control": {"type": "ephemeral"}},
          {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low", "x_img": 1}},
          {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}
        ]},
        {"role": "assistant", "content": null, "tool_calls": [
          {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{\"q\":\"x\"}", "x_fn": "f"}, "x_call": [1, 2]}
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": "42"}
      ],
      "temperature": 0.2,
      "top_p": 0.9,
      "max_tokens": 100,
      "max_completion_tokens": 90,
      "stream": true,
      "stream_options": {"include_usage": true, "x_opt": "kept"},
      "stop": ["\n\n", "END"],
      "tools": [
        {"type": "function", "function": {"name": "lookup", "description": "look it up", "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}, "strict": true, "x_fdef": 3}, "x_tool": "t"}
      ],
      "tool_choice": {"type": "function", "function": {"name": "lookup"}},
      "response_format": {"type": "json_schema", "json_schema": {"name": "out", "schema": {"type": "object"}}},
      "seed": 7,
      "user": "u-1",
      "logprobs": true,
      "top_logprobs": 2,
      "reasoning_effort": "low",
      "metadata": {"nested": {"deep": [1, {"x": null}]}}
    }
    """;

    [Fact]
    public void Request_unknown_fields_at_every_level_survive_parse_and_serialize()
    {
        // A typed null (the assistant's "content": null) is omitted on the way out; everything else comes back.
        var expected = RequestWithUnknownsEverywhere.Replace("\"content\": null, ", "", StringComparison.Ordinal);
        Assert.NotEqual(RequestWithUnknownsEverywhere, expected);
        AssertSameJson(expected, RoundTripRequest(RequestWithUnknownsEverywhere));
    }

    [Fact]
    public void Request_typed_view_reads_what_the_gateway_needs()
    {
        var r = JsonSerializer.Deserialize(RequestWithUnknownsEverywhere, WireJson.Default.ChatRequest)!;
        Assert.Equal("gpt-4o", r.Model);
        Assert.Equal(4, r.Messages!.Count);
        Assert.Equal("be brief", r.Messages[0].Text);
        Assert.False(r.Messages[1].Content!.IsText);
        Assert.Equal("what is this?", r.Messages[1].Text);
        Assert.Equal("https://example.com/a.png", r.Messages[1].Content!.Parts![1].ImageUrl!.Url);
        Assert.Equal("lookup", r.Messages[2].ToolCalls![0].Function!.Name);
        Assert.Equal("{\"q\":\"x\"}", r.Messages[2].ToolCalls![0].Function!.Arguments);
        Assert.Equal("call_1", r.Messages[3].ToolCallId);
        Assert.Equal(["\n\n", "END"], r.Stop!.Values);
        Assert.True(r.WantsStreamUsage);
        Assert.Equal("json_schema", r.ResponseFormat!.Value.GetProperty("type").GetString());
        Assert.Equal(7, r.Extra!["seed"].GetInt32());
        Assert.Equal("u-1", r.Extra!["user"].GetString());
        Assert.Equal(90, r.MaxCompletionTokens);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stop":"END"}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stop":["END"]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stop":["a","b"]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":""}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}""")]
    public void Stop_and_content_keep_their_shape(string json)
    {
        AssertSameJson(json, RoundTripRequest(json));
    }

    [Fact]
    public void Stop_as_string_and_as_list_are_told_apart()
    {
        var single = JsonSerializer.Deserialize("""{"stop":"END"}""", WireJson.Default.ChatRequest)!;
        var list = JsonSerializer.Deserialize("""{"stop":["END"]}""", WireJson.Default.ChatRequest)!;
        Assert.True(single.Stop!.WasSingle);
        Assert.False(list.Stop!.WasSingle);
        Assert.Equal(["END"], single.Stop.Values);
        Assert.Equal(["END"], list.Stop.Values);
    }

    [Fact]
    public void Text_of_parts_joins_text_parts_with_newline()
    {
        var m = JsonSerializer.Deserialize("""{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"u"}},{"type":"text","text":"b"}]}]}""", WireJson.Default.ChatRequest)!;
        Assert.Equal("a\nb", m.Messages![0].Text);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":5}]}""")]
    [InlineData("""{"stop":5}""")]
    [InlineData("""{"stop":[1]}""")]
    public void Malformed_content_or_stop_is_rejected(string json)
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(json, WireJson.Default.ChatRequest));
    }

    [Fact]
    public void ForUpstream_sets_bare_model_and_stream_and_drops_gateway_only_fields()
    {
        var r = JsonSerializer.Deserialize("""{"model":"openai/gpt-4o","messages":[],"fallbacks":["groq/llama-3.3-70b-versatile"],"num_retries":2,"seed":1}""", WireJson.Default.ChatRequest)!;
        Assert.Equal(2, r.NumRetries);
        Assert.Single(r.Fallbacks!);
        var json = JsonSerializer.Serialize(r.ForUpstream("gpt-4o", stream: false), WireJson.Default.ChatRequest);
        AssertSameJson("""{"model":"gpt-4o","messages":[],"stream":false,"seed":1}""", json);
    }

    private const string ResponseWithUnknowns = """
    {
      "id": "chatcmpl-1",
      "object": "chat.completion",
      "created": 1700000000,
      "model": "gpt-4o-2024-08-06",
      "system_fingerprint": "fp_abc",
      "service_tier": "default",
      "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}],
      "choices": [
        {
          "index": 0,
          "message": {"role": "assistant", "content": null, "refusal": null, "annotations": [],
            "tool_calls": [{"id": "call_9", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
          "logprobs": {"content": [{"token": "x", "logprob": -0.1, "bytes": [120], "top_logprobs": []}]},
          "finish_reason": "tool_calls",
          "content_filter_results": {"hate": {"filtered": false, "severity": "safe"}}
        }
      ],
      "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "accepted_prediction_tokens": 0}}
    }
    """;

    [Fact]
    public void Response_unknown_fields_at_every_level_survive()
    {
        var parsed = JsonSerializer.Deserialize(ResponseWithUnknowns, WireJson.Default.ModelResponse)!;
        Assert.Equal("fp_abc", parsed.SystemFingerprint);
        Assert.Equal("tool_calls", parsed.Choices[0].FinishReason);
        Assert.Equal("get_weather", parsed.Choices[0].Message!.ToolCalls![0].Function!.Name);
        Assert.Equal(17, parsed.Usage!.TotalTokens);
        // Typed nulls ("content": null, "refusal": null) are not written back; everything else is.
        var expected = ResponseWithUnknowns.Replace("\"content\": null, \"refusal\": null, ", "", StringComparison.Ordinal);
        Assert.NotEqual(ResponseWithUnknowns, expected);
        AssertSameJson(expected, JsonSerializer.Serialize(parsed, WireJson.Default.ModelResponse));
    }

    [Fact]
    public void Chunk_unknown_fields_and_tool_call_deltas_survive()
    {
        const string json = """
        {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":"fp","obfuscation":"xyz",
         "choices":[{"index":0,"delta":{"role":"assistant","content":"","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}],"x_delta":1},
           "logprobs":null,"finish_reason":null,"x_choice":true}],
         "usage":null}
        """;
        var chunk = JsonSerializer.Deserialize(json, WireJson.Default.StreamChunk)!;
        Assert.Equal(0, chunk.Choices[0].Delta.ToolCalls![0].Index);
        var back = JsonSerializer.Serialize(chunk, WireJson.Default.StreamChunk);
        // nulls of typed fields are omitted on the way out; unknown fields are kept verbatim
        AssertSameJson("""
        {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":"fp","obfuscation":"xyz",
         "choices":[{"index":0,"delta":{"role":"assistant","content":"","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}],"x_delta":1},
           "x_choice":true}]}
        """, back);
    }

    [Fact]
    public void Usage_only_chunk_is_recognised()
    {
        var chunk = JsonSerializer.Deserialize("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}""", WireJson.Default.StreamChunk)!;
        Assert.True(chunk.IsUsageOnly);
        Assert.Null(chunk.ContentDelta);
    }

    [Fact]
    public void Error_object_has_openai_shape_with_null_param_and_code()
    {
        var json = JsonSerializer.Serialize(ErrorResponse.Of("bad", "invalid_request_error"), WireJson.Default.ErrorResponse);
        AssertSameJson("""{"error":{"message":"bad","type":"invalid_request_error","param":null,"code":null}}""", json);
    }

    [Fact]
    public void Absent_fields_keep_their_declared_defaults_instead_of_null()
    {
        var chunk = JsonSerializer.Deserialize("""{"error":{"message":"overloaded"}}""", WireJson.Default.StreamChunk)!;
        Assert.NotNull(chunk.Choices);
        Assert.Empty(chunk.Choices);
        Assert.Equal("chat.completion.chunk", chunk.Object);
        Assert.Equal("", chunk.Id);
        Assert.Equal("", chunk.Model);
        Assert.True(chunk.Extra!.ContainsKey("error"));

        var finish = JsonSerializer.Deserialize("""{"choices":[{"index":0,"finish_reason":"stop"}]}""", WireJson.Default.StreamChunk)!;
        Assert.NotNull(finish.Choices[0].Delta);
        Assert.Null(finish.ContentDelta);

        var response = JsonSerializer.Deserialize("""{"id":"x"}""", WireJson.Default.ModelResponse)!;
        Assert.NotNull(response.Choices);
        Assert.Equal("chat.completion", response.Object);
        Assert.Null(response.Content);

        var request = JsonSerializer.Deserialize("""{"messages":[{"content":"hi"}],"tools":[{"function":{}}]}""", WireJson.Default.ChatRequest)!;
        Assert.Equal("user", request.Messages![0].Role);
        Assert.Equal("function", request.Tools![0].Type);
        Assert.Equal("", request.Tools[0].Function!.Name);

        var part = JsonSerializer.Deserialize("""{"messages":[{"role":"user","content":[{"text":"a"},{"type":"image_url","image_url":{}}]}]}""", WireJson.Default.ChatRequest)!;
        Assert.Equal("text", part.Messages![0].Content!.Parts![0].Type);
        Assert.Equal("", part.Messages[0].Content!.Parts![1].ImageUrl!.Url);
    }
}
