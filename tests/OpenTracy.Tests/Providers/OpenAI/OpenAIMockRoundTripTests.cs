using System.Text.Json.Nodes;
using OpenTracy.MockProvider;
using OpenTracy.Providers;
using OpenTracy.Wire;

namespace OpenTracy.Tests.Providers.OpenAI;

/// <summary>Successful calls over loopback against the mock: OpenAI, Groq-style, Perplexity-style and Azure addressing.</summary>
public class OpenAIMockRoundTripTests(MockFixture fx) : IClassFixture<MockFixture>
{
    public static TheoryData<string> Styles => MockFixture.Styles;

    private RecordedRequest SingleRecorded(string id) => Assert.Single(fx.Mock.GetRequests(id));

    private static void AssertAddressedLikeTheProvider(string style, RecordedRequest recorded)
    {
        Assert.Equal("POST", recorded.Method);
        Assert.Equal(MockFixture.PathFor(style), recorded.Path);
        if (style == "azure")
        {
            Assert.Equal("api-version=2024-10-21", recorded.Query);
            Assert.Equal(MockFixture.Key, recorded.Headers["api-key"]);
            Assert.False(recorded.Headers.ContainsKey("Authorization"));
        }
        else
        {
            Assert.Equal("", recorded.Query);
            Assert.Equal("Bearer " + MockFixture.Key, recorded.Headers["Authorization"]);
            Assert.False(recorded.Headers.ContainsKey("api-key"));
        }
        Assert.StartsWith("application/json", recorded.Headers["Content-Type"]);
        Assert.Equal(MockFixture.ModelFor(style), JsonNode.Parse(recorded.Body)!["model"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Non_streaming_completion(string style)
    {
        var id = MockFixture.NewId("plain");
        var response = await fx.Client(style).CompleteAsync(fx.Request(style, $"hello there [mock id={id}]"), CancellationToken.None);

        Assert.Equal("echo: hello there", response.Content);
        Assert.Equal("chat.completion", response.Object);
        Assert.Equal(MockFixture.ModelFor(style), response.Model);
        Assert.Equal("stop", response.Choices[0].FinishReason);
        Assert.Equal("assistant", response.Choices[0].Message!.Role);
        Assert.NotNull(response.Usage);
        Assert.Equal(3, response.Usage.CompletionTokens); // "echo: hello there"
        Assert.Equal(response.Usage.PromptTokens + response.Usage.CompletionTokens, response.Usage.TotalTokens);
        Assert.Equal("fp_mock0001", response.SystemFingerprint);

        var recorded = SingleRecorded(id);
        AssertAddressedLikeTheProvider(style, recorded);
        var body = JsonNode.Parse(recorded.Body)!;
        Assert.False(body["stream"]!.GetValue<bool>());
        Assert.Null(body["stream_options"]);
        var stats = fx.Mock.GetStats(id);
        Assert.Equal(1, stats.Completed);
        Assert.Equal(0, stats.Cancelled);
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Streaming_yields_chunks_in_order_then_finish_then_usage(string style)
    {
        var id = MockFixture.NewId("stream");
        var chunks = new List<StreamChunk>();
        await foreach (var c in fx.Client(style).StreamAsync(fx.Request(style, $"one two three four [mock id={id} chunks=4]"), CancellationToken.None))
            chunks.Add(c);

        // role chunk, 4 content chunks, finish chunk, usage chunk ([DONE] is not a chunk)
        Assert.Equal(7, chunks.Count);
        Assert.Equal("assistant", chunks[0].Choices[0].Delta.Role);
        var text = string.Concat(chunks.Select(c => c.ContentDelta));
        Assert.Equal("echo: one two three four", text);
        Assert.All(chunks.Take(5), c => Assert.Null(c.Choices[0].FinishReason));
        Assert.Equal("stop", chunks[5].Choices[0].FinishReason);
        var usage = chunks[6];
        Assert.True(usage.IsUsageOnly);
        Assert.Equal(5, usage.Usage!.CompletionTokens);
        Assert.Equal(usage.Usage.PromptTokens + 5, usage.Usage.TotalTokens);
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.Object));
        Assert.Single(chunks.Select(c => c.Id).Distinct());

        var recorded = SingleRecorded(id);
        AssertAddressedLikeTheProvider(style, recorded);
        var body = JsonNode.Parse(recorded.Body)!;
        Assert.True(body["stream"]!.GetValue<bool>());
        Assert.True(body["stream_options"]!["include_usage"]!.GetValue<bool>());
        Assert.Equal("text/event-stream", recorded.Headers["Accept"]);
        Assert.Equal(1, fx.Mock.GetStats(id).Completed);
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Streaming_merges_include_usage_into_the_callers_stream_options(string style)
    {
        var id = MockFixture.NewId("opts");
        var extra = new JsonObject { ["stream_options"] = new JsonObject { ["include_usage"] = false, ["x_keep"] = "me" } };
        await foreach (var _ in fx.Client(style).StreamAsync(fx.Request(style, $"hi [mock id={id}]", extra: extra), CancellationToken.None)) { }
        var options = JsonNode.Parse(SingleRecorded(id).Body)!["stream_options"]!;
        Assert.True(options["include_usage"]!.GetValue<bool>());
        Assert.Equal("me", options["x_keep"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Tool_call_as_json(string style)
    {
        var id = MockFixture.NewId("tool");
        var extra = new JsonObject
        {
            ["tools"] = new JsonArray(JsonNode.Parse("""{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}""")),
            ["tool_choice"] = "auto",
        };
        var response = await fx.Client(style).CompleteAsync(
            fx.Request(style, $"weather? [mock id={id} tool=get_weather args={{\"city\":\"Paris\"}}]", extra: extra), CancellationToken.None);

        var choice = response.Choices[0];
        Assert.Equal("tool_calls", choice.FinishReason);
        var call = Assert.Single(choice.Message!.ToolCalls!);
        Assert.StartsWith("call_", call.Id);
        Assert.Equal("function", call.Type);
        Assert.Equal("get_weather", call.Function!.Name);
        Assert.Equal("{\"city\":\"Paris\"}", call.Function.Arguments);

        var sent = JsonNode.Parse(SingleRecorded(id).Body)!;
        Assert.Equal("get_weather", sent["tools"]![0]!["function"]!["name"]!.GetValue<string>());
        Assert.Equal("auto", sent["tool_choice"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Tool_call_streamed_as_deltas(string style)
    {
        var id = MockFixture.NewId("toolstream");
        var chunks = new List<StreamChunk>();
        await foreach (var c in fx.Client(style).StreamAsync(
            fx.Request(style, $"weather? [mock id={id} tool=get_weather args={{\"city\":\"Paris\",\"unit\":\"C\"}}]"), CancellationToken.None))
            chunks.Add(c);

        var deltas = chunks.Where(c => c.Choices.Count > 0 && c.Choices[0].Delta.ToolCalls is not null)
            .Select(c => Assert.Single(c.Choices[0].Delta.ToolCalls!)).ToList();
        Assert.True(deltas.Count >= 2, "expected a header delta and argument fragments");
        Assert.Equal("get_weather", deltas[0].Function!.Name);
        Assert.StartsWith("call_", deltas[0].Id);
        Assert.All(deltas, d => Assert.Equal(0, d.Index));
        Assert.Equal("{\"city\":\"Paris\",\"unit\":\"C\"}", string.Concat(deltas.Select(d => d.Function?.Arguments)));
        Assert.Equal("tool_calls", chunks.Single(c => c.Choices.Count > 0 && c.Choices[0].FinishReason is not null).Choices[0].FinishReason);
        Assert.True(chunks[^1].IsUsageOnly);
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Unknown_body_fields_reach_the_upstream_and_gateway_fields_do_not(string style)
    {
        var id = MockFixture.NewId("fields");
        var extra = new JsonObject
        {
            ["seed"] = 42,
            ["user"] = "user-7",
            ["max_completion_tokens"] = 64,
            ["response_format"] = new JsonObject { ["type"] = "json_object" },
            ["logprobs"] = true,
            ["stop"] = "END",
            ["temperature"] = 0.25,
            ["fallbacks"] = new JsonArray("groq/llama-3.3-70b-versatile"),
            ["num_retries"] = 3,
        };
        await fx.Client(style).CompleteAsync(fx.Request(style, $"hi [mock id={id}]", extra: extra), CancellationToken.None);

        var sent = JsonNode.Parse(SingleRecorded(id).Body)!.AsObject();
        Assert.Equal(42, sent["seed"]!.GetValue<int>());
        Assert.Equal("user-7", sent["user"]!.GetValue<string>());
        Assert.Equal(64, sent["max_completion_tokens"]!.GetValue<int>());
        Assert.Equal("json_object", sent["response_format"]!["type"]!.GetValue<string>());
        Assert.True(sent["logprobs"]!.GetValue<bool>());
        Assert.Equal("END", sent["stop"]!.GetValue<string>());
        Assert.Equal(0.25, sent["temperature"]!.GetValue<double>());
        Assert.False(sent.ContainsKey("fallbacks"));
        Assert.False(sent.ContainsKey("num_retries"));
        Assert.Equal(MockFixture.ModelFor(style), sent["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Azure_api_version_comes_from_the_environment()
    {
        var id = MockFixture.NewId("azver");
        var env = new ProviderEnvironment(n => n == "AZURE_OPENAI_API_VERSION" ? "2025-04-01-preview" : null);
        await fx.Client("azure", env).CompleteAsync(fx.Request("azure", $"hi [mock id={id}]"), CancellationToken.None);
        Assert.Equal("api-version=2025-04-01-preview", SingleRecorded(id).Query);
    }

    [Fact]
    public async Task Content_parts_are_forwarded_as_parts()
    {
        var id = MockFixture.NewId("parts");
        var request = fx.Request("openai", "unused");
        var parts = MessageContent.FromParts([ContentPart.FromText($"look [mock id={id}]"), ContentPart.FromImageUrl("data:image/png;base64,AAAA")]);
        request = request with { Body = request.Body with { Messages = [new ChatMessage { Role = "user", Content = parts }] } };
        var response = await fx.Client("openai").CompleteAsync(request, CancellationToken.None);
        Assert.Equal("echo: look", response.Content);
        var content = JsonNode.Parse(SingleRecorded(id).Body)!["messages"]![0]!["content"]!.AsArray();
        Assert.Equal("image_url", content[1]!["type"]!.GetValue<string>());
        Assert.Equal("data:image/png;base64,AAAA", content[1]!["image_url"]!["url"]!.GetValue<string>());
    }
}
