using System.Text.Json.Nodes;
using OpenTracy.Providers;
using OpenTracy.Wire;
using static OpenTracy.Tests.Sdk.SdkMockFixture;

namespace OpenTracy.Tests.Sdk;

/// <summary>completion() against the mock provider over loopback, directly to the providers' own wire formats.</summary>
public class SdkLoopbackTests(SdkMockFixture fx) : IClassFixture<SdkMockFixture>
{
    /// <summary>Timers fire on the OS tick: a lower bound on a measured delay allows that much.</summary>
    private static readonly TimeSpan TimerTick = TimeSpan.FromMilliseconds(30);

    private static ChatMessage[] Say(string text) => [ChatMessage.User(text)];

    [Fact]
    public async Task Each_parameter_reaches_the_upstream_body()
    {
        var id = NewId("params");
        var response = await fx.Client().CompletionAsync("openai/gpt-4o-mini", [ChatMessage.System("sys"), ChatMessage.User($"hi [mock id={id}]")], new CompletionOptions
        {
            Temperature = 0.3, MaxTokens = 50, TopP = 0.9, Stop = ["END", "STOP"],
            Tools = [new ToolDefinition { Function = new FunctionDefinition { Name = "lookup", Parameters = System.Text.Json.JsonDocument.Parse("""{"type":"object"}""").RootElement } }],
            ToolChoice = ToolChoices.Auto,
            Extra = new Dictionary<string, object?> { ["seed"] = 11, ["user"] = "u-1", ["max_completion_tokens"] = 40, ["logprobs"] = true },
        });

        Assert.StartsWith("echo: hi", response.Content);
        var request = Assert.Single(fx.Requests(id));
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("Bearer sk-mock", request.Headers["Authorization"]);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("gpt-4o-mini", (string?)body["model"]);
        Assert.False((bool)body["stream"]!);
        Assert.Equal("sys", (string?)body["messages"]![0]!["content"]);
        Assert.Equal(0.3, (double)body["temperature"]!);
        Assert.Equal(50, (int)body["max_tokens"]!);
        Assert.Equal(0.9, (double)body["top_p"]!);
        Assert.Equal(["END", "STOP"], body["stop"]!.AsArray().Select(s => (string)s!).ToArray());
        Assert.Equal("lookup", (string?)body["tools"]![0]!["function"]!["name"]);
        Assert.Equal("auto", (string?)body["tool_choice"]);
        Assert.Equal(11, (int)body["seed"]!);
        Assert.Equal("u-1", (string?)body["user"]);
        Assert.Equal(40, (int)body["max_completion_tokens"]!);
        Assert.True((bool)body["logprobs"]!);
    }

    [Fact]
    public async Task Streaming_sends_stream_true_and_yields_the_chunks()
    {
        var id = NewId("stream");
        var text = "";
        await foreach (var chunk in fx.Client().StreamAsync("gpt-4o-mini", Say($"alpha beta gamma [mock id={id}]")))
            text += chunk.ContentDelta;
        Assert.Equal("echo: alpha beta gamma", text);
        Assert.True((bool)JsonNode.Parse(Assert.Single(fx.Requests(id)).Body)!["stream"]!);
    }

    [Theory]
    [InlineData("gpt-4o-mini", "/v1/chat/completions", "gpt-4o-mini")]
    [InlineData("deepseek-chat", "/v1/chat/completions", "deepseek-chat")]
    [InlineData("llama-3.3-70b-versatile", "/v1/chat/completions", "llama-3.3-70b-versatile")]
    [InlineData("claude-sonnet-4-6", "/v1/messages", "claude-sonnet-4-6")]
    [InlineData("amazon.nova-lite-v1:0", "/model/amazon.nova-lite-v1%3A0/converse", null)]
    public async Task Bare_names_resolve_to_their_provider_and_wire_format(string model, string path, string? bodyModel)
    {
        var id = NewId("bare");
        var response = await fx.Client().CompletionAsync(model, Say($"ping [mock id={id}]"));
        Assert.Equal("echo: ping", response.Content);
        var request = Assert.Single(fx.Requests(id));
        Assert.Equal(path, request.Path);
        if (bodyModel is not null) Assert.Equal(bodyModel, (string?)JsonNode.Parse(request.Body)!["model"]);
    }

    [Fact]
    public async Task Anthropic_is_called_natively_with_its_own_auth_and_translated_parameters()
    {
        var id = NewId("anthropic");
        var response = await fx.Client().CompletionAsync("anthropic/claude-sonnet-4-6", [ChatMessage.System("be terse"), ChatMessage.User($"hi [mock id={id}]")],
            new CompletionOptions { Temperature = 0.2, MaxTokens = 64, Stop = ["END"] });
        Assert.Equal("anthropic", response.Provider);
        var request = Assert.Single(fx.Requests(id));
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal("ak-mock", request.Headers["x-api-key"]);
        Assert.False(request.Headers.ContainsKey("Authorization"));
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("be terse", body["system"] is JsonArray a ? (string?)a[0]!["text"] : (string?)body["system"]);
        Assert.Equal(0.2, (double)body["temperature"]!);
        Assert.Equal(64, (int)body["max_tokens"]!);
        Assert.Equal("END", (string?)body["stop_sequences"]![0]);
    }

    [Fact]
    public async Task Retries_count_upstream_calls_and_wait_for_retry_after()
    {
        var id = NewId("retry");
        var time = new InstantTimeProvider();
        var response = await fx.Client(time: time).CompletionAsync("gpt-4o-mini", Say($"x [mock id={id} status=503 fail-times=2 retry-after=1]"),
            new CompletionOptions { NumRetries = 2 });
        Assert.StartsWith("echo: x", response.Content);
        Assert.Equal(3, fx.Mock.GetStats(id).Requests);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)], time.Delays);
    }

    [Fact]
    public async Task Without_retry_after_the_wait_grows_by_half_a_second()
    {
        var id = NewId("backoff");
        var time = new InstantTimeProvider();
        await fx.Client(time: time).CompletionAsync("gpt-4o-mini", Say($"x [mock id={id} status=500 fail-times=3]"), new CompletionOptions { NumRetries = 3 });
        Assert.Equal(4, fx.Mock.GetStats(id).Requests);
        Assert.Equal([0.5, 1.0, 1.5], time.Delays.Select(d => d.TotalSeconds).ToArray());
    }

    [Fact]
    public async Task Retry_after_is_really_waited_on_the_system_clock()
    {
        var id = NewId("realwait");
        var started = TimeProvider.System.GetTimestamp();
        await fx.Client(time: TimeProvider.System).CompletionAsync("gpt-4o-mini", Say($"x [mock id={id} status=429 fail-times=1 retry-after=1]"),
            new CompletionOptions { NumRetries = 1 });
        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromSeconds(1) - TimerTick);
        Assert.Equal(2, fx.Mock.GetStats(id).Requests);
    }

    [Fact]
    public async Task Exhausted_retries_raise_the_provider_error_with_its_status()
    {
        var id = NewId("exhaust");
        var ex = await Assert.ThrowsAsync<ProviderException>(() => fx.Client().CompletionAsync("gpt-4o-mini", Say($"x [mock id={id} status=503]"),
            new CompletionOptions { NumRetries = 1 }));
        Assert.Equal(503, ex.StatusCode);
        Assert.Equal(2, fx.Mock.GetStats(id).Requests);
    }

    [Fact]
    public async Task Fallbacks_are_tried_in_order()
    {
        var id = NewId("fallback");
        var response = await fx.Client().CompletionAsync("openai/gpt-4o-mini", Say($"x [mock id={id} status=503 fail-times=4]"),
            new CompletionOptions { NumRetries = 1, Fallbacks = ["deepseek/deepseek-chat", "groq/llama-3.3-70b-versatile", "openai/never"] });
        Assert.Equal(["gpt-4o-mini", "gpt-4o-mini", "deepseek-chat", "deepseek-chat", "llama-3.3-70b-versatile"], fx.RequestedModels(id));
        Assert.Equal("groq", response.Provider);
    }

    [Fact]
    public async Task Non_retryable_errors_skip_straight_to_the_next_fallback()
    {
        var id = NewId("nonretry");
        // Had the 400 been retried, the retry (same model) would have succeeded.
        await fx.Client().CompletionAsync("openai/gpt-4o-mini", Say($"x [mock id={id} status=400 fail-times=1]"),
            new CompletionOptions { NumRetries = 3, Fallbacks = ["deepseek/deepseek-chat"] });
        Assert.Equal(["gpt-4o-mini", "deepseek-chat"], fx.RequestedModels(id));
    }

    [Fact]
    public async Task A_stream_failing_before_its_first_chunk_falls_back()
    {
        var id = NewId("sfb");
        var text = "";
        await foreach (var c in fx.Client().StreamAsync("openai/gpt-4o-mini", Say($"one two [mock id={id} status=503 fail-times=1]"),
                           new CompletionOptions { Fallbacks = ["anthropic/claude-sonnet-4-6"] }))
            text += c.ContentDelta;
        Assert.Equal("echo: one two", text);
        Assert.Equal(["/v1/chat/completions", "/v1/messages"], fx.Requests(id).Select(r => r.Path).ToArray());
    }

    [Fact]
    public async Task A_stream_failing_after_its_first_chunk_surfaces_the_error()
    {
        var id = NewId("sdrop");
        var chunks = 0;
        var text = "";
        await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (var c in fx.Client().StreamAsync("openai/gpt-4o-mini", Say($"a b c d e f [mock id={id} chunks=6 drop-after=2]"),
                               new CompletionOptions { NumRetries = 2, Fallbacks = ["deepseek/deepseek-chat"] }))
            {
                chunks++;
                text += c.ContentDelta;
            }
        });
        Assert.True(chunks >= 1);
        // Once the caller had a chunk, nothing was retried or failed over: what it saw is one attempt's text, and
        // every attempt (each answering "echo: a b ...", then cut) fails, so a retry after a chunk would repeat it.
        // Counting upstream requests instead would be timing: on a loaded machine the cut connection can reach the
        // client before the bytes sent ahead of it, so an attempt fails before its first chunk, and retrying that
        // one is right.
        Assert.StartsWith("echo:", text);
        Assert.Equal(1, text.Split("echo:").Length - 1);
        Assert.InRange(fx.Mock.GetStats(id).Requests, 1, 1 + 2 + 1);
    }

    [Fact]
    public async Task Configuration_errors_reach_the_caller_with_the_seed_texts()
    {
        var bare = fx.Client(new ProviderEnvironment(_ => null));
        Assert.Equal("Cannot resolve provider for model 'mystery'. Use 'provider/model' format (e.g. 'openai/gpt-4o'), set OPENTRACY_ENGINE_URL to route via the OpenTracy engine, or pass force_engine=True.",
            (await Assert.ThrowsAsync<CompletionConfigurationException>(() => bare.CompletionAsync("mystery", Say("x")))).Message);
        Assert.Equal("No API key for openai. Set OPENAI_API_KEY or pass api_key=",
            (await Assert.ThrowsAsync<CompletionConfigurationException>(() => bare.CompletionAsync("gpt-4o", Say("x")))).Message);
        Assert.Equal("Unknown provider: acme",
            (await Assert.ThrowsAsync<CompletionConfigurationException>(() => bare.CompletionAsync("acme/model", Say("x")))).Message);
        Assert.Equal("Azure OpenAI requires AZURE_OPENAI_ENDPOINT (e.g. https://my-resource.openai.azure.com) or pass api_base=.",
            (await Assert.ThrowsAsync<CompletionConfigurationException>(() => bare.CompletionAsync("azure/dep", Say("x")))).Message);
        var azureNoKey = fx.Client(new ProviderEnvironment(n => n == "AZURE_OPENAI_ENDPOINT" ? fx.BaseUrl : null));
        Assert.Equal("No API key for azure. Set AZURE_OPENAI_API_KEY or pass api_key=.",
            (await Assert.ThrowsAsync<CompletionConfigurationException>(() => azureNoKey.CompletionAsync("azure/dep", Say("x")))).Message);
        await Assert.ThrowsAsync<CompletionConfigurationException>(async () =>
        {
            await foreach (var _ in bare.StreamAsync("mystery", Say("x"))) { }
        });
    }

    [Fact]
    public async Task Azure_and_bedrock_are_callable_directly()
    {
        var id = NewId("azbr");
        var azure = await fx.Client().CompletionAsync("azure/my-deployment", Say($"az [mock id={id}]"));
        var bedrock = await fx.Client().CompletionAsync("bedrock/amazon.nova-lite-v1:0", Say($"br [mock id={id}]"));
        Assert.Equal("echo: az", azure.Content);
        Assert.Equal("echo: br", bedrock.Content);
        Assert.Equal(["/openai/deployments/my-deployment/chat/completions", "/model/amazon.nova-lite-v1%3A0/converse"], fx.Requests(id).Select(r => r.Path).ToArray());
        Assert.Equal("az-mock", fx.Requests(id)[0].Headers["api-key"]);
    }

    [Fact]
    public async Task Api_base_points_any_provider_at_an_explicit_server()
    {
        var id = NewId("apibase");
        var client = fx.Client(new ProviderEnvironment(_ => null));
        var response = await client.CompletionAsync("meta-llama/Llama-3.3-70B", Say($"x [mock id={id}]"), new CompletionOptions { ApiBase = fx.BaseUrl + "/v1", ApiKey = "k" });
        Assert.Equal("echo: x", response.Content);
        Assert.Equal("meta-llama/Llama-3.3-70B", fx.RequestedModels(id)[0]);
        Assert.Equal("Bearer k", fx.Requests(id)[0].Headers["Authorization"]);
    }

    [Fact]
    public async Task Cost_is_the_price_table_times_the_reported_usage()
    {
        var id = NewId("cost");
        var response = await fx.Client().CompletionAsync("openai/gpt-4o-mini", Say($"one two three four five [mock id={id}]"));
        var usage = response.Usage!;
        Assert.True(usage.PromptTokens > 0 && usage.CompletionTokens > 0);
        // gpt-4o-mini: $0.15 per 1M input tokens, $0.60 per 1M output tokens.
        Assert.Equal(usage.PromptTokens * 0.15 / 1e6 + usage.CompletionTokens * 0.60 / 1e6, response.CostUsd!.Value, 15);
        Assert.Equal(OpenTracy.Pricing.PriceTable.Cost("gpt-4o-mini", usage)!.TotalCostUsd, response.CostUsd.Value, 15);
        Assert.Equal(response.CostUsd.Value, response.ToJsonElement().GetProperty("_cost").GetDouble(), 15);

        // A dated snapshot is priced by longest prefix; an unknown model costs 0.
        var dated = await fx.Client().CompletionAsync("openai/gpt-4o-mini-2024-07-18", Say($"x [mock id={id}]"));
        Assert.Equal(dated.Usage!.PromptTokens * 0.15 / 1e6 + dated.Usage.CompletionTokens * 0.60 / 1e6, dated.CostUsd!.Value, 15);
        Assert.Equal(0.0, (await fx.Client().CompletionAsync("openai/unpriced-model", Say($"x [mock id={id}]"))).CostUsd);
    }

    [Fact]
    public async Task A_streams_usage_chunk_carries_its_cost()
    {
        var id = NewId("scost");
        var chunks = new List<StreamChunk>();
        await foreach (var c in fx.Client().StreamAsync("openai/gpt-4o-mini", Say($"a b c [mock id={id}]"),
                           new CompletionOptions { Extra = new Dictionary<string, object?> { ["stream_options"] = new { include_usage = true } } }))
            chunks.Add(c);
        var usage = Assert.Single(chunks, c => c.Usage is not null);
        Assert.Equal(usage.Usage!.PromptTokens * 0.15 / 1e6 + usage.Usage.CompletionTokens * 0.60 / 1e6, usage.Cost!.TotalCostUsd, 15);
    }

    [Fact]
    public void The_blocking_form_works_over_loopback()
    {
        var id = NewId("blocking");
        var response = fx.Client().Completion("gpt-4o-mini", Say($"sync [mock id={id}]"));
        Assert.Equal("echo: sync", response.Content);
    }
}
