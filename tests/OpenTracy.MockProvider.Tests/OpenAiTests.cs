using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenTracy.MockProvider.Tests;

public sealed class OpenAiTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/chat/completions")]
    [InlineData("/openai/v1/chat/completions")]
    [InlineData("/inference/v1/chat/completions")]
    [InlineData("/v1beta/openai/chat/completions")]
    [InlineData("/compatibility/v1/chat/completions")]
    public async Task Every_openai_compatible_prefix_answers_chat_completion(string path)
    {
        using var res = await fx.Http.SendAsync(Wire.OpenAi("hello there", path: path));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("application/json", res.Content.Headers.ContentType?.MediaType);
        var json = Wire.ParseJson(await res.Content.ReadAsStringAsync());
        Assert.StartsWith("chatcmpl-", (string)json["id"]!);
        Assert.Equal("chat.completion", (string)json["object"]!);
        Assert.True((long)json["created"]! > 1_600_000_000);
        Assert.Equal("gpt-4o-mini", (string)json["model"]!);
        Assert.NotNull(json["system_fingerprint"]);
        var choice = json["choices"]![0]!;
        Assert.Equal(0, (int)choice["index"]!);
        Assert.Equal("assistant", (string)choice["message"]!["role"]!);
        Assert.Equal("echo: hello there", (string)choice["message"]!["content"]!);
        Assert.Equal("stop", (string)choice["finish_reason"]!);
    }

    [Fact]
    public async Task Usage_counts_words_of_all_messages_and_of_the_answer()
    {
        var body = new
        {
            model = "m",
            messages = new object[]
            {
                new { role = "system", content = "You are terse." },
                new { role = "user", content = "first question here" },
                new { role = "assistant", content = "an answer" },
                new { role = "user", content = new object[] { new { type = "text", text = "hello big world" } } },
            },
        };
        using var res = await fx.Http.SendAsync(Wire.Json("/v1/chat/completions", body, ("Authorization", "Bearer k")));
        var json = Wire.ParseJson(await res.Content.ReadAsStringAsync());
        Assert.Equal("echo: hello big world", (string)json["choices"]![0]!["message"]!["content"]!);
        Assert.Equal(3 + 3 + 2 + 3, (int)json["usage"]!["prompt_tokens"]!);
        Assert.Equal(4, (int)json["usage"]!["completion_tokens"]!);
        Assert.Equal(15, (int)json["usage"]!["total_tokens"]!);
    }

    [Fact]
    public async Task Directive_text_is_removed_from_the_echo()
    {
        using var res = await fx.Http.SendAsync(Wire.OpenAi("  say [mock id=x-echo chunks=3] hi  "));
        var json = Wire.ParseJson(await res.Content.ReadAsStringAsync());
        Assert.Equal("echo: say hi", (string)json["choices"]![0]!["message"]!["content"]!);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Basic abc")]
    [InlineData("Bearer ")]
    [InlineData("Bearer    ")]
    public async Task Missing_or_bad_bearer_is_401_with_openai_error_body(string? authorization)
    {
        var req = Wire.Json("/v1/chat/completions", Wire.OpenAiBody("hi"));
        if (authorization is not null)
        {
            req.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        using var res = await fx.Http.SendAsync(req);
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        var error = Wire.ParseJson(await res.Content.ReadAsStringAsync())["error"]!;
        Assert.Equal("invalid_request_error", (string)error["type"]!);
        Assert.Equal("invalid_api_key", (string)error["code"]!);
        Assert.False(string.IsNullOrEmpty((string)error["message"]!));
        Assert.Equal(JsonValueKind.Null, error["param"]?.GetValueKind() ?? JsonValueKind.Null);
        Assert.True(((JsonObject)error).ContainsKey("param"));
    }

    [Fact]
    public async Task Invalid_json_missing_model_or_messages_is_400()
    {
        using var bad = await fx.Http.SendAsync(Wire.JsonText("/v1/chat/completions", "{nope", ("Authorization", "Bearer k")));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("invalid_request_error", (string)Wire.ParseJson(await bad.Content.ReadAsStringAsync())["error"]!["type"]!);

        using var noModel = await fx.Http.SendAsync(Wire.Json("/v1/chat/completions", new { messages = Array.Empty<object>() }, ("Authorization", "Bearer k")));
        Assert.Equal(HttpStatusCode.BadRequest, noModel.StatusCode);

        using var noMessages = await fx.Http.SendAsync(Wire.Json("/v1/chat/completions", new { model = "m" }, ("Authorization", "Bearer k")));
        Assert.Equal(HttpStatusCode.BadRequest, noMessages.StatusCode);
        Assert.Equal("messages", (string)Wire.ParseJson(await noMessages.Content.ReadAsStringAsync())["error"]!["param"]!);
    }

    [Fact]
    public async Task Stream_without_include_usage_has_role_content_finish_then_done()
    {
        using var res = await fx.Http.SendAsync(Wire.OpenAi("one two three", stream: true));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("text/event-stream", res.Content.Headers.ContentType?.MediaType);
        var body = await res.Content.ReadAsStringAsync();
        Assert.EndsWith("data: [DONE]\n\n", body);
        var events = Wire.ParseSse(body);
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events.Take(events.Count - 1).Select(e => Wire.ParseJson(e.Data)).ToList();

        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", (string)c["object"]!));
        Assert.Single(chunks.Select(c => (string)c["id"]!).Distinct());
        Assert.Equal("assistant", (string)chunks[0]["choices"]![0]!["delta"]!["role"]!);
        // "echo: one two three" = 4 words = 4 content chunks by default
        var content = chunks.Skip(1).Take(4).Select(c => (string)c["choices"]![0]!["delta"]!["content"]!).ToList();
        Assert.Equal(["echo: ", "one ", "two ", "three"], content);
        var finish = chunks[5];
        Assert.Equal("stop", (string)finish["choices"]![0]!["finish_reason"]!);
        Assert.Equal(6, chunks.Count);
        Assert.All(chunks, c => Assert.NotEmpty(c["choices"]!.AsArray()));
        Assert.All(chunks, c => Assert.Null(c["usage"]));
    }

    [Fact]
    public async Task Stream_with_include_usage_ends_with_empty_choices_usage_chunk_then_done()
    {
        using var res = await fx.Http.SendAsync(Wire.OpenAi("alpha beta", stream: true, includeUsage: true));
        var events = Wire.ParseSse(await res.Content.ReadAsStringAsync());
        Assert.Equal("[DONE]", events[^1].Data);
        var usageChunk = Wire.ParseJson(events[^2].Data);
        Assert.Empty(usageChunk["choices"]!.AsArray());
        Assert.Equal(2, (int)usageChunk["usage"]!["prompt_tokens"]!);
        Assert.Equal(3, (int)usageChunk["usage"]!["completion_tokens"]!);
        Assert.Equal(5, (int)usageChunk["usage"]!["total_tokens"]!);
        var finish = Wire.ParseJson(events[^3].Data);
        Assert.Equal("stop", (string)finish["choices"]![0]!["finish_reason"]!);
        var text = string.Concat(events.Take(events.Count - 2).Select(e => (string?)Wire.ParseJson(e.Data)["choices"]![0]!["delta"]!["content"] ?? ""));
        Assert.Equal("echo: alpha beta", text);
    }

    [Fact]
    public async Task Stream_include_usage_false_has_no_usage_chunk()
    {
        using var res = await fx.Http.SendAsync(Wire.OpenAi("alpha", stream: true, includeUsage: false));
        var events = Wire.ParseSse(await res.Content.ReadAsStringAsync());
        Assert.DoesNotContain(events.Take(events.Count - 1), e => Wire.ParseJson(e.Data)["choices"]!.AsArray().Count == 0);
    }

    [Fact]
    public async Task Chunks_directive_gives_exactly_C_content_chunks_padding_when_needed()
    {
        foreach (var (text, c) in new[] { ("a b c d e f g h", 3), ("short", 6), ("x y", 3) })
        {
            using var res = await fx.Http.SendAsync(Wire.OpenAi($"{text} [mock chunks={c}]", stream: true, includeUsage: true));
            var events = Wire.ParseSse(await res.Content.ReadAsStringAsync());
            var contents = events.Where(e => e.Data != "[DONE]")
                .Select(e => Wire.ParseJson(e.Data))
                .Where(j => j["choices"]!.AsArray().Count > 0 && j["choices"]![0]!["delta"]!["content"] is JsonNode n && ((string)n!).Length > 0)
                .Select(j => (string)j["choices"]![0]!["delta"]!["content"]!)
                .ToList();
            Assert.Equal(c, contents.Count);
            var joined = string.Concat(contents);
            Assert.StartsWith("echo: " + text, joined);
            var usage = Wire.ParseJson(events[^2].Data)["usage"]!;
            Assert.Equal(joined.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length, (int)usage["completion_tokens"]!);
        }
    }

    [Fact]
    public async Task Tool_directive_answers_with_a_tool_call_json()
    {
        using var res = await fx.Http.SendAsync(Wire.OpenAi("weather? [mock tool=get_weather args={\"city\": \"Paris\"}]"));
        var json = Wire.ParseJson(await res.Content.ReadAsStringAsync());
        var choice = json["choices"]![0]!;
        Assert.Equal("tool_calls", (string)choice["finish_reason"]!);
        Assert.Null(choice["message"]!["content"]);
        var call = choice["message"]!["tool_calls"]![0]!;
        Assert.StartsWith("call_", (string)call["id"]!);
        Assert.Equal("function", (string)call["type"]!);
        Assert.Equal("get_weather", (string)call["function"]!["name"]!);
        Assert.Equal("{\"city\": \"Paris\"}", (string)call["function"]!["arguments"]!);
    }

    [Fact]
    public async Task Tool_directive_stream_sends_header_delta_then_argument_pieces()
    {
        const string args = "{\"city\": \"Paris\", \"unit\": \"C\"}";
        using var res = await fx.Http.SendAsync(Wire.OpenAi($"weather? [mock tool=get_weather args={args}]", stream: true));
        var events = Wire.ParseSse(await res.Content.ReadAsStringAsync());
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events.Take(events.Count - 1).Select(e => Wire.ParseJson(e.Data)).ToList();
        var first = chunks[0]["choices"]![0]!["delta"]!["tool_calls"]![0]!;
        Assert.Equal(0, (int)first["index"]!);
        Assert.StartsWith("call_", (string)first["id"]!);
        Assert.Equal("function", (string)first["type"]!);
        Assert.Equal("get_weather", (string)first["function"]!["name"]!);
        Assert.Equal("", (string)first["function"]!["arguments"]!);

        var pieces = chunks.Skip(1).Take(chunks.Count - 2)
            .Select(c => c["choices"]![0]!["delta"]!["tool_calls"]![0]!)
            .ToList();
        Assert.InRange(pieces.Count, 2, 3);
        Assert.All(pieces, p => Assert.Equal(0, (int)p["index"]!));
        Assert.Equal(args, string.Concat(pieces.Select(p => (string)p["function"]!["arguments"]!)));
        Assert.Equal("tool_calls", (string)chunks[^1]["choices"]![0]!["finish_reason"]!);
    }

    [Fact]
    public async Task Tool_directive_is_not_repeated_after_a_tool_result()
    {
        var body = new
        {
            model = "m",
            messages = new object[]
            {
                new { role = "user", content = "weather [mock tool=get_weather]" },
                new { role = "assistant", content = (string?)null, tool_calls = new object[] { new { id = "call_1", type = "function", function = new { name = "get_weather", arguments = "{}" } } } },
                new { role = "tool", tool_call_id = "call_1", content = "sunny" },
            },
        };
        using var res = await fx.Http.SendAsync(Wire.Json("/v1/chat/completions", body, ("Authorization", "Bearer k")));
        var choice = Wire.ParseJson(await res.Content.ReadAsStringAsync())["choices"]![0]!;
        Assert.Equal("stop", (string)choice["finish_reason"]!);
        Assert.Equal("echo: weather", (string)choice["message"]!["content"]!);
    }

    [Fact]
    public async Task Status_directive_uses_openai_error_body_and_retry_after()
    {
        using var res = await fx.Http.SendAsync(Wire.OpenAi("hi [mock status=429 retry-after=7]"));
        Assert.Equal(HttpStatusCode.TooManyRequests, res.StatusCode);
        Assert.Equal("7", res.Headers.GetValues("Retry-After").Single());
        var error = Wire.ParseJson(await res.Content.ReadAsStringAsync())["error"]!;
        Assert.Equal("rate_limit_exceeded", (string)error["code"]!);
        Assert.Contains("Rate limit", (string)error["message"]!);

        using var res503 = await fx.Http.SendAsync(Wire.OpenAi("hi [mock status=503]", stream: true));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, res503.StatusCode);
        Assert.Equal("application/json", res503.Content.Headers.ContentType?.MediaType);
        var e503 = Wire.ParseJson(await res503.Content.ReadAsStringAsync())["error"]!;
        Assert.Equal("server_error", (string)e503["type"]!);
        Assert.Contains("overloaded", (string)e503["message"]!);
        Assert.False(res503.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task Garbage_json_is_not_json()
    {
        using var res = await fx.Http.SendAsync(Wire.OpenAi("hi [mock garbage=1]"));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var body = await res.Content.ReadAsStringAsync();
        Assert.Equal("this is not json{", body);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body));
    }

    [Fact]
    public async Task Garbage_stream_is_a_broken_data_line_without_done()
    {
        using var res = await fx.Http.SendAsync(Wire.OpenAi("hi [mock garbage=1]", stream: true));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var body = await res.Content.ReadAsStringAsync();
        Assert.StartsWith("data: {not json", body);
        Assert.DoesNotContain("[DONE]", body);
    }

    [Fact]
    public async Task Content_type_directive_overrides_the_response_type()
    {
        using var res = await fx.Http.SendAsync(Wire.OpenAi("hi [mock content-type=text/html]"));
        Assert.Equal("text/html", res.Content.Headers.ContentType?.MediaType);
        using var stream = await fx.Http.SendAsync(Wire.OpenAi("hi [mock content-type=\"text/plain; charset=utf-8\"]", stream: true));
        Assert.Equal("text/plain", stream.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Error_after_sends_an_error_event_mid_stream()
    {
        using var res = await fx.Http.SendAsync(Wire.OpenAi("a b c d [mock error-after=2 status=500]", stream: true));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var events = Wire.ParseSse(await res.Content.ReadAsStringAsync());
        Assert.Equal(4, events.Count); // role, 2 content chunks, error
        Assert.Equal("server_error", (string)Wire.ParseJson(events[^1].Data)["error"]!["type"]!);
    }
}
