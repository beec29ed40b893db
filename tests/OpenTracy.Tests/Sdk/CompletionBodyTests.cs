using System.Text.Json;
using System.Text.Json.Nodes;
using OpenTracy.Wire;
using static OpenTracy.Tests.Sdk.FakeProviderClient;
using static OpenTracy.Tests.Sdk.SdkTestKit;

namespace OpenTracy.Tests.Sdk;

/// <summary>What the SDK hands the provider client: every option in the body, extras last, the metadata filled.</summary>
public class CompletionBodyTests
{
    private static readonly ToolDefinition Weather = new()
    {
        Function = new FunctionDefinition { Name = "get_weather", Parameters = JsonDocument.Parse("""{"type":"object"}""").RootElement },
    };

    [Fact]
    public async Task Every_option_reaches_the_request_body()
    {
        var fake = new FakeProviderClient();
        await Client(fake).CompletionAsync("openai/gpt-4o", Hello, new CompletionOptions
        {
            Temperature = 0.25, MaxTokens = 77, TopP = 0.5, Stop = ["END"], Tools = [Weather],
            ToolChoice = ToolChoices.Required, Timeout = TimeSpan.FromSeconds(9),
            Extra = new Dictionary<string, object?> { ["seed"] = 42, ["user"] = "u-1", ["response_format"] = new { type = "json_object" } },
        });

        var call = Assert.Single(fake.Calls);
        var body = JsonNode.Parse(JsonSerializer.Serialize(call.Body, WireJson.Default.ChatRequest))!.AsObject();
        Assert.Equal("gpt-4o", (string?)body["model"]);
        Assert.False((bool)body["stream"]!);
        Assert.Equal(0.25, (double)body["temperature"]!);
        Assert.Equal(77, (int)body["max_tokens"]!);
        Assert.Equal(0.5, (double)body["top_p"]!);
        Assert.Equal("END", (string?)body["stop"]![0]);
        Assert.Equal("get_weather", (string?)body["tools"]![0]!["function"]!["name"]);
        Assert.Equal("required", (string?)body["tool_choice"]);
        Assert.Equal(42, (int)body["seed"]!);
        Assert.Equal("u-1", (string?)body["user"]);
        Assert.Equal("json_object", (string?)body["response_format"]!["type"]);
        Assert.Equal(TimeSpan.FromSeconds(9), call.Timeout);
        Assert.Equal("gpt-4o", call.Model);
    }

    [Fact]
    public async Task Unset_options_stay_out_of_the_body_and_empty_tools_are_omitted()
    {
        var fake = new FakeProviderClient();
        await Client(fake).CompletionAsync("gpt-4o", Hello, new CompletionOptions { Tools = [] });
        var json = JsonSerializer.Serialize(Assert.Single(fake.Calls).Body, WireJson.Default.ChatRequest);
        var keys = JsonNode.Parse(json)!.AsObject().Select(p => p.Key).Order().ToArray();
        Assert.Equal(["messages", "model", "stream"], keys);
    }

    [Fact]
    public async Task Extra_fields_are_merged_last_and_override_typed_ones()
    {
        var fake = new FakeProviderClient();
        await Client(fake).CompletionAsync("gpt-4o", Hello, new CompletionOptions
        {
            Temperature = 0.1,
            Extra = new Dictionary<string, object?>
            {
                ["temperature"] = 0.9,
                ["max_completion_tokens"] = JsonDocument.Parse("12").RootElement,
                ["model"] = "not-this-one",
            },
        });
        var body = Assert.Single(fake.Calls).Body;
        Assert.Equal(0.9, body.Temperature);
        Assert.Equal(12, body.MaxCompletionTokens);
        Assert.Equal("gpt-4o", body.Model);
    }

    [Fact]
    public async Task Streaming_sets_stream_true()
    {
        var fake = new FakeProviderClient();
        await foreach (var _ in Client(fake).StreamAsync("gpt-4o", Hello)) { }
        Assert.True(Assert.Single(fake.Calls).Body.Stream);
    }

    [Fact]
    public async Task Cost_is_the_price_table_times_usage_and_metadata_is_filled()
    {
        var fake = new FakeProviderClient().Succeed("gpt-4o-mini", "x", Usage.Of(1_000, 500));
        var response = await Client(fake, price: TestPrices).CompletionAsync("gpt-4o-mini", Hello);

        Assert.Equal(1_000 / 1e6 * 1 + 500 / 1e6 * 2, response.CostUsd!.Value, 12);
        Assert.Equal("openai", response.Provider);
        Assert.True(response.LatencyMs >= 0);
        Assert.Empty(response.Routing!);

        var json = response.ToJsonElement();
        Assert.Equal(response.CostUsd.Value, json.GetProperty("_cost").GetDouble(), 12);
        Assert.Equal("openai", json.GetProperty("_provider").GetString());
        Assert.True(json.TryGetProperty("_latency_ms", out _));
        Assert.Equal(JsonValueKind.Object, json.GetProperty("_routing").ValueKind);
    }

    [Fact]
    public async Task Unpriced_models_cost_zero()
    {
        var response = await Client(new FakeProviderClient(), price: TestPrices).CompletionAsync("gpt-4o", Hello);
        Assert.Equal(0.0, response.CostUsd);
    }

    [Fact]
    public async Task Stream_usage_chunks_carry_the_price_table_cost()
    {
        var usageChunk = new StreamChunk { Id = "u", Usage = Usage.Of(2_000, 1_000) };
        var fake = new FakeProviderClient().Script("cheap", _ => new object[] { Chunk("hi"), usageChunk });
        var chunks = new List<StreamChunk>();
        await foreach (var c in Client(fake, env: KeyedEnv(), price: TestPrices).StreamAsync("openai/cheap", Hello)) chunks.Add(c);
        Assert.Null(chunks[0].Cost);
        Assert.Equal(2_000 / 1e6 * 1 + 1_000 / 1e6 * 2, chunks[1].Cost!.TotalCostUsd, 12);
    }

    [Fact]
    public async Task Keys_never_appear_in_errors()
    {
        var fake = new FakeProviderClient().Fail("gpt-4o", Status(401));
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => Client(fake).CompletionAsync("gpt-4o", Hello, new CompletionOptions { ApiKey = "sk-very-secret" }));
        Assert.DoesNotContain("sk-very-secret", ex.ToString());
    }
}
