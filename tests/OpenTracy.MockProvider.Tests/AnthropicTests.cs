using System.Net;
using System.Text.Json;

namespace OpenTracy.MockProvider.Tests;

public sealed class AnthropicTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Json_answer_is_an_anthropic_message()
    {
        var body = new
        {
            model = "claude-sonnet-4",
            max_tokens = 100,
            system = "Be brief please",
            messages = new object[]
            {
                new { role = "user", content = "earlier words" },
                new { role = "assistant", content = "ok" },
                new { role = "user", content = new object[] { new { type = "text", text = "hello" }, new { type = "text", text = "world" } } },
            },
        };
        using var res = await fx.Http.SendAsync(Wire.Json("/v1/messages", body, ("x-api-key", "k"), ("anthropic-version", "2023-06-01")));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var json = Wire.ParseJson(await res.Content.ReadAsStringAsync());
        Assert.StartsWith("msg_", (string)json["id"]!);
        Assert.Equal("message", (string)json["type"]!);
        Assert.Equal("assistant", (string)json["role"]!);
        Assert.Equal("claude-sonnet-4", (string)json["model"]!);
        Assert.Equal("text", (string)json["content"]![0]!["type"]!);
        Assert.Equal("echo: hello world", (string)json["content"]![0]!["text"]!);
        Assert.Equal("end_turn", (string)json["stop_reason"]!);
        Assert.True(((System.Text.Json.Nodes.JsonObject)json).ContainsKey("stop_sequence"));
        Assert.Null(json["stop_sequence"]);
        Assert.Equal(3 + 2 + 1 + 2, (int)json["usage"]!["input_tokens"]!);
        Assert.Equal(3, (int)json["usage"]!["output_tokens"]!);
    }

    [Fact]
    public async Task Messages_path_may_sit_under_a_base_url_prefix()
    {
        var req = Wire.Anthropic("prefixed");
        req.RequestUri = new Uri("/anthropic/v1/messages", UriKind.Relative);
        using var res = await fx.Http.SendAsync(req);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("echo: prefixed", (string)Wire.ParseJson(await res.Content.ReadAsStringAsync())["content"]![0]!["text"]!);
    }

    [Fact]
    public async Task Tool_result_blocks_are_skipped_for_the_echo()
    {
        var body = new
        {
            model = "c",
            max_tokens = 10,
            messages = new object[]
            {
                new { role = "user", content = new object[]
                {
                    new { type = "tool_result", tool_use_id = "toolu_1", content = "tool output text" },
                    new { type = "text", text = "and now this" },
                } },
            },
        };
        using var res = await fx.Http.SendAsync(Wire.Json("/v1/messages", body, ("x-api-key", "k"), ("anthropic-version", "2023-06-01")));
        var json = Wire.ParseJson(await res.Content.ReadAsStringAsync());
        Assert.Equal("echo: and now this", (string)json["content"]![0]!["text"]!);
    }

    [Fact]
    public async Task Stream_has_the_anthropic_event_sequence()
    {
        using var res = await fx.Http.SendAsync(Wire.Anthropic("one two three", stream: true));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("text/event-stream", res.Content.Headers.ContentType?.MediaType);
        var events = Wire.ParseSse(await res.Content.ReadAsStringAsync());
        var names = events.Select(e => e.Event).ToList();
        Assert.Equal(
            ["message_start", "content_block_start", "ping",
             "content_block_delta", "content_block_delta", "content_block_delta", "content_block_delta",
             "content_block_stop", "message_delta", "message_stop"],
            names);
        foreach (var e in events)
        {
            Assert.Equal(e.Event, (string)Wire.ParseJson(e.Data)["type"]!);
        }
        var start = Wire.ParseJson(events[0].Data)["message"]!;
        Assert.StartsWith("msg_", (string)start["id"]!);
        Assert.Equal(3, (int)start["usage"]!["input_tokens"]!);
        Assert.Equal(1, (int)start["usage"]!["output_tokens"]!);
        Assert.Equal("text", (string)Wire.ParseJson(events[1].Data)["content_block"]!["type"]!);
        var text = string.Concat(events.Where(e => e.Event == "content_block_delta").Select(e =>
        {
            var delta = Wire.ParseJson(e.Data)["delta"]!;
            Assert.Equal("text_delta", (string)delta["type"]!);
            return (string)delta["text"]!;
        }));
        Assert.Equal("echo: one two three", text);
        var messageDelta = Wire.ParseJson(events[^2].Data);
        Assert.Equal("end_turn", (string)messageDelta["delta"]!["stop_reason"]!);
        Assert.Equal(4, (int)messageDelta["usage"]!["output_tokens"]!);
    }

    [Fact]
    public async Task Missing_x_api_key_is_401_with_anthropic_error()
    {
        var req = Wire.Json("/v1/messages", new { model = "c", max_tokens = 5, messages = new object[] { new { role = "user", content = "hi" } } },
            ("anthropic-version", "2023-06-01"), ("Authorization", "Bearer k"));
        using var res = await fx.Http.SendAsync(req);
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        var json = Wire.ParseJson(await res.Content.ReadAsStringAsync());
        Assert.Equal("error", (string)json["type"]!);
        Assert.Equal("authentication_error", (string)json["error"]!["type"]!);
        Assert.False(string.IsNullOrEmpty((string)json["error"]!["message"]!));
    }

    [Fact]
    public async Task Missing_version_max_tokens_or_messages_is_400_invalid_request()
    {
        var ok = new Dictionary<string, object?> { ["model"] = "c", ["max_tokens"] = 5, ["messages"] = new object[] { new { role = "user", content = "hi" } } };

        using var noVersion = await fx.Http.SendAsync(Wire.Json("/v1/messages", ok, ("x-api-key", "k")));
        Assert.Equal(HttpStatusCode.BadRequest, noVersion.StatusCode);
        Assert.Equal("invalid_request_error", (string)Wire.ParseJson(await noVersion.Content.ReadAsStringAsync())["error"]!["type"]!);

        var noMax = new Dictionary<string, object?>(ok);
        noMax.Remove("max_tokens");
        using var r1 = await fx.Http.SendAsync(Wire.Json("/v1/messages", noMax, ("x-api-key", "k"), ("anthropic-version", "2023-06-01")));
        Assert.Equal(HttpStatusCode.BadRequest, r1.StatusCode);
        var e1 = Wire.ParseJson(await r1.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request_error", (string)e1["error"]!["type"]!);
        Assert.Contains("max_tokens", (string)e1["error"]!["message"]!);

        var noMessages = new Dictionary<string, object?>(ok);
        noMessages.Remove("messages");
        using var r2 = await fx.Http.SendAsync(Wire.Json("/v1/messages", noMessages, ("x-api-key", "k"), ("anthropic-version", "2023-06-01")));
        Assert.Equal(HttpStatusCode.BadRequest, r2.StatusCode);
        Assert.Contains("messages", (string)Wire.ParseJson(await r2.Content.ReadAsStringAsync())["error"]!["message"]!);
    }

    [Fact]
    public async Task Tool_directive_json_is_a_tool_use_block()
    {
        using var res = await fx.Http.SendAsync(Wire.Anthropic("weather [mock tool=get_weather args={\"city\": \"Paris\"}]"));
        var json = Wire.ParseJson(await res.Content.ReadAsStringAsync());
        Assert.Equal("tool_use", (string)json["stop_reason"]!);
        var block = json["content"]![0]!;
        Assert.Equal("tool_use", (string)block["type"]!);
        Assert.StartsWith("toolu_", (string)block["id"]!);
        Assert.Equal("get_weather", (string)block["name"]!);
        Assert.Equal("Paris", (string)block["input"]!["city"]!);
    }

    [Fact]
    public async Task Tool_directive_stream_uses_input_json_delta()
    {
        const string args = "{\"city\": \"Paris\"}";
        using var res = await fx.Http.SendAsync(Wire.Anthropic($"weather [mock tool=get_weather args={args}]", stream: true));
        var events = Wire.ParseSse(await res.Content.ReadAsStringAsync());
        var start = Wire.ParseJson(events.Single(e => e.Event == "content_block_start").Data)["content_block"]!;
        Assert.Equal("tool_use", (string)start["type"]!);
        Assert.Equal("get_weather", (string)start["name"]!);
        Assert.StartsWith("toolu_", (string)start["id"]!);
        var deltas = events.Where(e => e.Event == "content_block_delta").Select(e => Wire.ParseJson(e.Data)["delta"]!).ToList();
        Assert.InRange(deltas.Count, 2, 3);
        Assert.All(deltas, d => Assert.Equal("input_json_delta", (string)d["type"]!));
        Assert.Equal(args, string.Concat(deltas.Select(d => (string)d["partial_json"]!)));
        Assert.Equal("tool_use", (string)Wire.ParseJson(events.Single(e => e.Event == "message_delta").Data)["delta"]!["stop_reason"]!);
        Assert.Equal("message_stop", events[^1].Event);
    }

    [Fact]
    public async Task Status_directive_uses_anthropic_error_body()
    {
        using var res = await fx.Http.SendAsync(Wire.Anthropic("hi [mock status=429 retry-after=5]"));
        Assert.Equal(HttpStatusCode.TooManyRequests, res.StatusCode);
        Assert.Equal("5", res.Headers.GetValues("Retry-After").Single());
        var json = Wire.ParseJson(await res.Content.ReadAsStringAsync());
        Assert.Equal("error", (string)json["type"]!);
        Assert.Equal("rate_limit_error", (string)json["error"]!["type"]!);

        using var overloaded = await fx.Http.SendAsync(Wire.Anthropic("hi [mock status=503]"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, overloaded.StatusCode);
        Assert.Equal("overloaded_error", (string)Wire.ParseJson(await overloaded.Content.ReadAsStringAsync())["error"]!["type"]!);
    }

    [Fact]
    public async Task Garbage_json_and_stream()
    {
        using var json = await fx.Http.SendAsync(Wire.Anthropic("hi [mock garbage=1]"));
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(json.Content.ReadAsStringAsync().Result));

        using var stream = await fx.Http.SendAsync(Wire.Anthropic("hi [mock garbage=1]", stream: true));
        var body = await stream.Content.ReadAsStringAsync();
        Assert.Contains("data: {not json", body);
        Assert.DoesNotContain("message_stop", body);
    }

    [Fact]
    public async Task Error_after_sends_an_error_event()
    {
        using var res = await fx.Http.SendAsync(Wire.Anthropic("a b c [mock error-after=1]", stream: true));
        var events = Wire.ParseSse(await res.Content.ReadAsStringAsync());
        Assert.Equal("error", events[^1].Event);
        Assert.Equal("overloaded_error", (string)Wire.ParseJson(events[^1].Data)["error"]!["type"]!);
        Assert.Single(events, e => e.Event == "content_block_delta");
    }
}
