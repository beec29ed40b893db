using System.Text.Json.Nodes;
using OpenTracy.Providers;
using OpenTracy.Wire;
using static OpenTracy.Tests.Sdk.SdkMockFixture;

namespace OpenTracy.Tests.Sdk;

/// <summary>Engine mode: the full model string to {OPENTRACY_ENGINE_URL}/v1/chat/completions; _routing from X-OpenTracy-* headers; engine cost and errors.</summary>
public class EngineModeTests(SdkMockFixture fx) : IClassFixture<SdkMockFixture>
{
    private static readonly ChatMessage[] Hi = [ChatMessage.User("hi")];

    private const string Completion = """
        {"id":"chatcmpl-e1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",
         "choices":[{"index":0,"message":{"role":"assistant","content":"from engine"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":1000,"completion_tokens":2000,"total_tokens":3000}%COST%}
        """;

    private static string Body(string? cost = null) => Completion.Replace("%COST%", cost is null ? "" : ",\"cost\":" + cost);

    private static readonly Dictionary<string, string> RoutingHeaders = new()
    {
        ["X-OpenTracy-Selected-Model"] = "openai/gpt-4o-mini",
        ["X-OpenTracy-Provider"] = "openai",
        ["X-OpenTracy-Attempts"] = "2",
        ["X-OpenTracy-Routing-Ms"] = "1.25",
        ["X-OpenTracy-Cluster-ID"] = "17",
        ["X-OpenTracy-Expected-Error"] = "0.1234",
    };

    private OpenTracyClient EngineClient(string engineUrl, TimeProvider? time = null, params (string, string)[] extra)
        => fx.Client(new ProviderEnvironment(n => n == "OPENTRACY_ENGINE_URL" ? engineUrl : extra.FirstOrDefault(e => e.Item1 == n).Item2), time);

    [Fact]
    public async Task The_engine_url_receives_the_full_model_string_and_the_opentracy_key()
    {
        var id = NewId("engine");
        var client = EngineClient(fx.BaseUrl, null, ("OPENTRACY_API_KEY", "otk-1"));
        Assert.Equal(fx.BaseUrl, client.EngineUrl);
        var response = await client.CompletionAsync("anthropic/claude-sonnet-4-6", [ChatMessage.User($"hello [mock id={id}]")], new CompletionOptions { Temperature = 0.4 });

        Assert.Equal("echo: hello", response.Content);
        var request = Assert.Single(fx.Requests(id));
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("Bearer otk-1", request.Headers["Authorization"]);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("anthropic/claude-sonnet-4-6", (string?)body["model"]);
        Assert.Equal(0.4, (double)body["temperature"]!);
        Assert.Equal("anthropic", response.Provider);
    }

    [Fact]
    public async Task Auto_and_unprefixed_names_go_to_the_engine_as_they_are()
    {
        var id = NewId("auto");
        await EngineClient(fx.BaseUrl).CompletionAsync("auto", [ChatMessage.User($"x [mock id={id}]")]);
        await EngineClient(fx.BaseUrl).CompletionAsync("my-private-model", [ChatMessage.User($"x [mock id={id}]")]);
        Assert.Equal(["auto", "my-private-model"], fx.RequestedModels(id));
        Assert.Equal("Bearer none", fx.Requests(id)[0].Headers["Authorization"]);
    }

    [Fact]
    public async Task Force_direct_bypasses_the_engine()
    {
        var id = NewId("fdirect");
        var env = fx.DirectEnv(("OPENTRACY_ENGINE_URL", "http://127.0.0.1:9"));
        var response = await fx.Client(env).CompletionAsync("anthropic/claude-sonnet-4-6", [ChatMessage.User($"x [mock id={id}]")], new CompletionOptions { ForceDirect = true });
        Assert.Equal("echo: x", response.Content);
        Assert.Equal("/v1/messages", Assert.Single(fx.Requests(id)).Path);
    }

    [Fact]
    public async Task Engine_streams_carry_the_full_model_string()
    {
        var id = NewId("estream");
        var text = "";
        await foreach (var c in EngineClient(fx.BaseUrl).StreamAsync("groq/llama-3.3-70b", [ChatMessage.User($"a b [mock id={id}]")])) text += c.ContentDelta;
        Assert.Equal("echo: a b", text);
        var body = JsonNode.Parse(Assert.Single(fx.Requests(id)).Body)!;
        Assert.Equal("groq/llama-3.3-70b", (string?)body["model"]);
        Assert.True((bool)body["stream"]!);
    }

    [Fact]
    public async Task Routing_comes_from_the_x_opentracy_headers_and_cost_from_the_engine()
    {
        await using var engine = await FakeEngine.StartAsync();
        engine.Enqueue(new FakeEngine.Reply(200, Body("""{"input_cost_usd":0.001,"output_cost_usd":0.002,"total_cost_usd":0.003}"""), RoutingHeaders));

        var response = await EngineClient(engine.Url).CompletionAsync("auto", Hi);

        Assert.Equal("from engine", response.Content);
        Assert.Equal(new Dictionary<string, string>
        {
            ["selected_model"] = "openai/gpt-4o-mini", ["provider"] = "openai", ["attempts"] = "2",
            ["routing_ms"] = "1.25", ["cluster_id"] = "17", ["expected_error"] = "0.1234",
        }, response.Routing);
        Assert.Equal(0.003, response.CostUsd);
        Assert.Null(response.Cost);
        Assert.Equal("openai", response.Provider);
        var json = response.ToJsonElement();
        Assert.False(json.TryGetProperty("cost", out _));
        Assert.Equal("17", json.GetProperty("_routing").GetProperty("cluster_id").GetString());
        Assert.Equal("auto", (string?)JsonNode.Parse(Assert.Single(engine.Received).Body)!["model"]);
        Assert.Equal("/v1/chat/completions", engine.Received[0].Path);
    }

    [Fact]
    public async Task Without_an_engine_cost_the_local_price_of_the_selected_model_applies()
    {
        await using var engine = await FakeEngine.StartAsync();
        engine.Enqueue(new FakeEngine.Reply(200, Body(), RoutingHeaders));
        var env = new ProviderEnvironment(n => n == "OPENTRACY_ENGINE_URL" ? engine.Url : null);
        var response = await fx.Client(env, new InstantTimeProvider(), SdkTestKit.TestPrices).CompletionAsync("auto", Hi);
        // gpt-4o-mini at $1 / $2 per 1M in the test prices; usage 1000 / 2000.
        Assert.Equal(1000 / 1e6 * 1 + 2000 / 1e6 * 2, response.CostUsd!.Value, 12);
    }

    [Fact]
    public async Task Engine_errors_keep_their_status_and_retry_after()
    {
        await using var engine = await FakeEngine.StartAsync();
        var limited = new FakeEngine.Reply(429, """{"error":{"message":"rate limited upstream","type":"rate_limit_error","param":null,"code":"rate_limited"}}""",
            new Dictionary<string, string> { ["Retry-After"] = "3" });
        engine.Enqueue(limited, new FakeEngine.Reply(200, Body(), RoutingHeaders));
        var time = new InstantTimeProvider();

        var response = await EngineClient(engine.Url, time).CompletionAsync("openai/gpt-4o-mini", Hi, new CompletionOptions { NumRetries = 1 });

        Assert.Equal("from engine", response.Content);
        Assert.Equal(2, engine.Received.Count);
        Assert.Equal([TimeSpan.FromSeconds(3)], time.Delays);
    }

    [Fact]
    public async Task Non_retryable_engine_errors_are_not_retried_and_carry_the_engine_message()
    {
        await using var engine = await FakeEngine.StartAsync();
        engine.Enqueue(new FakeEngine.Reply(400, """{"error":{"message":"messages is required","type":"invalid_request_error","param":null,"code":null}}""",
            new Dictionary<string, string>()));
        var ex = await Assert.ThrowsAsync<ProviderException>(() => EngineClient(engine.Url).CompletionAsync("openai/gpt-4o", Hi, new CompletionOptions { NumRetries = 2 }));
        Assert.Equal(400, ex.StatusCode);
        Assert.Equal("messages is required", ex.ProviderMessage);
        Assert.Single(engine.Received);
    }

    [Fact]
    public async Task A_mid_stream_engine_error_event_ends_the_stream_with_an_error()
    {
        await using var engine = await FakeEngine.StartAsync();
        const string sse = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"part\"},\"finish_reason\":null}]}\n\n"
                           + "data: {\"error\":{\"message\":\"upstream went away\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";
        engine.Enqueue(new FakeEngine.Reply(200, sse, new Dictionary<string, string>(), "text/event-stream"));
        var texts = new List<string?>();
        var ex = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (var c in EngineClient(engine.Url).StreamAsync("openai/gpt-4o", Hi, new CompletionOptions { NumRetries = 2 })) texts.Add(c.ContentDelta);
        });
        Assert.Equal(["part"], texts);
        Assert.Equal("upstream went away", ex.ProviderMessage);
        Assert.Single(engine.Received);
    }
}
