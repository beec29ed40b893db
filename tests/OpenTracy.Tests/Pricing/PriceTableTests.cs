using OpenTracy.Pricing;
using OpenTracy.Wire;

namespace OpenTracy.Tests.Pricing;

public class PriceTableTests
{
    private const double Tolerance = 1e-12;

    /// <summary>Reference §9's example rows: model, in $/1M, out $/1M, max input, max output.</summary>
    public static TheoryData<string, double, double, int, int> ExampleRows => new()
    {
        { "gpt-4o", 2.50, 10.00, 128_000, 16_384 },
        { "gpt-4o-mini", 0.15, 0.60, 128_000, 16_384 },
        { "o3-mini", 1.10, 4.40, 200_000, 100_000 },
        { "claude-sonnet-4-6", 3.00, 15.00, 200_000, 64_000 },
        { "claude-opus-4-6", 15.00, 75.00, 200_000, 32_000 },
        { "claude-haiku-4-5-20251001", 0.80, 4.00, 200_000, 8_192 },
        { "gemini-2.0-flash", 0.10, 0.40, 1_048_576, 8_192 },
        { "mistral-large-latest", 2.00, 6.00, 128_000, 8_192 },
        { "deepseek-chat", 0.14, 0.28, 64_000, 8_192 },
        { "llama-3.3-70b-versatile", 0.59, 0.79, 128_000, 32_768 },
    };

    [Theory]
    [MemberData(nameof(ExampleRows))]
    public void Reference_example_rows_match_exactly(string model, double input, double output, int maxIn, int maxOut)
    {
        var p = PriceTable.Find(model);
        Assert.NotNull(p);
        Assert.Equal(model, p.Model); // an exact key, not a prefix match
        Assert.Equal(input, p.InputPerMillion, Tolerance);
        Assert.Equal(output, p.OutputPerMillion, Tolerance);
        Assert.Equal(maxIn, p.MaxInputTokens);
        Assert.Equal(maxOut, p.MaxOutputTokens);
        Assert.Equal(input / 1e6, p.InputPerToken, Tolerance);
        Assert.Equal(output / 1e6, p.OutputPerToken, Tolerance);
    }

    /// <summary>Every name reference §9 mentions (example rows and engine-only keys) is a key of the table.</summary>
    [Theory]
    [InlineData("claude-3-5-sonnet")] [InlineData("claude-3-5-haiku")] [InlineData("claude-3-opus")] [InlineData("claude-3-haiku")]
    [InlineData("gemma-7b")] [InlineData("mixtral-8x7b")] [InlineData("codestral")] [InlineData("pixtral-12b")]
    [InlineData("ministral-3b")] [InlineData("ministral-8b")] [InlineData("mistral-small")] [InlineData("deepseek-coder")]
    [InlineData("deepseek-reasoner")] [InlineData("o1")] [InlineData("o1-mini")] [InlineData("o3")] [InlineData("o4-mini")]
    [InlineData("gpt-4")] [InlineData("gpt-4-turbo")] [InlineData("gpt-3.5-turbo")] [InlineData("llama-3.1-70b")] [InlineData("llama-3.1-8b")]
    [InlineData("claude-sonnet-4")] [InlineData("claude-opus-4")] [InlineData("mistral-large")] [InlineData("llama-3.3-70b")]
    public void Reference_names_are_keys(string model)
    {
        Assert.True(PriceTable.Default.Entries.ContainsKey(model), model);
    }

    [Theory]
    [InlineData("claude-3-5-sonnet", 3.00, 15.00)]
    [InlineData("claude-3-5-haiku", 0.80, 4.00)]
    [InlineData("claude-3-opus", 15.00, 75.00)]
    [InlineData("claude-3-haiku", 0.25, 1.25)]
    [InlineData("deepseek-reasoner", 0.55, 2.19)]
    [InlineData("codestral", 0.30, 0.90)]
    [InlineData("mixtral-8x7b", 0.24, 0.24)]
    public void Engine_key_prices(string model, double input, double output)
    {
        var p = PriceTable.Find(model)!;
        Assert.Equal(input, p.InputPerMillion, Tolerance);
        Assert.Equal(output, p.OutputPerMillion, Tolerance);
    }

    [Fact]
    public void Table_has_at_least_the_sdks_73_models_and_sane_values()
    {
        Assert.True(PriceTable.Default.Count >= 73, $"only {PriceTable.Default.Count} models");
        foreach (var p in PriceTable.Default.Entries.Values)
        {
            Assert.True(p.InputPerMillion >= 0 && p.OutputPerMillion >= 0, p.Model);
            Assert.True(p.MaxInputTokens is null or > 0, p.Model);
            Assert.True(p.MaxOutputTokens is null or > 0, p.Model);
        }
        Assert.Equal(PriceTable.SupportedModels.Order(StringComparer.Ordinal), PriceTable.SupportedModels);
        Assert.Equal(PriceTable.Default.Count, PriceTable.SupportedModels.Count);
    }

    [Theory]
    [InlineData("claude-sonnet-4-20250514", "claude-sonnet-4")]
    [InlineData("gpt-4o-mini-2024-07-18", "gpt-4o-mini")]
    [InlineData("gpt-4o-2024-08-06", "gpt-4o")]
    [InlineData("gpt-4o-2024-05-13", "gpt-4o-2024-05-13")]
    [InlineData("claude-opus-4-6", "claude-opus-4-6")]
    [InlineData("claude-opus-4-1-20250805", "claude-opus-4-1")]
    [InlineData("claude-haiku-4-5", "claude-haiku-4-5")]
    [InlineData("claude-3-5-sonnet-latest", "claude-3-5-sonnet")]
    [InlineData("claude-3-7-sonnet-20250219", "claude-3-7-sonnet")]
    [InlineData("mistral-large-2411", "mistral-large")]
    [InlineData("llama-3.3-70b-specdec", "llama-3.3-70b-specdec")]
    [InlineData("llama-3.1-8b-instant", "llama-3.1-8b")]
    [InlineData("o3-mini-2025-01-31", "o3-mini")]
    [InlineData("o1-2024-12-17", "o1")]
    [InlineData("gpt-4-0613", "gpt-4")]
    [InlineData("gpt-4.1-nano-2025-04-14", "gpt-4.1-nano")]
    [InlineData("gpt-5-mini-2025-08-07", "gpt-5-mini")]
    [InlineData("gemini-2.5-flash-lite-preview-06-17", "gemini-2.5-flash-lite")]
    [InlineData("gemini-2.0-flash-001", "gemini-2.0-flash")]
    [InlineData("command-r7b-12-2024", "command-r7b")]
    [InlineData("command-r-plus-08-2024", "command-r-plus")]
    [InlineData("sonar-reasoning-pro", "sonar-reasoning-pro")]
    [InlineData("amazon.nova-pro-v1:0", "amazon.nova-pro")]
    [InlineData("us.amazon.nova-lite-v1:0", "us.amazon.nova-lite")]
    public void Exact_else_longest_prefix(string model, string expectedKey)
    {
        Assert.Equal(expectedKey, PriceTable.Find(model)?.Model);
    }

    [Theory]
    [InlineData("openai/gpt-4o", "gpt-4o")]
    [InlineData("anthropic/claude-sonnet-4-20250514", "claude-sonnet-4")]
    [InlineData("groq/llama-3.3-70b-versatile", "llama-3.3-70b-versatile")]
    [InlineData("groq/meta-llama/llama-4-scout-17b-16e-instruct", "meta-llama/llama-4-scout-17b-16e-instruct")]
    [InlineData("together/meta-llama/Llama-3.3-70B-Instruct-Turbo", "meta-llama/Llama-3.3-70B-Instruct-Turbo")]
    [InlineData("meta-llama/Llama-3.3-70B-Instruct-Turbo", "meta-llama/Llama-3.3-70B-Instruct-Turbo")]
    [InlineData("bedrock/us.amazon.nova-pro-v1:0", "us.amazon.nova-pro")]
    public void Provider_part_is_stripped(string model, string expectedKey)
    {
        Assert.Equal(expectedKey, PriceTable.Find(model)?.Model);
    }

    [Theory]
    [InlineData("my-finetune")]
    [InlineData("azure/my-gpt5")]
    [InlineData("GPT-4o")]
    [InlineData("gpt")]
    [InlineData("claude")]
    [InlineData("")]
    [InlineData(null)]
    public void Unknown_is_null(string? model)
    {
        Assert.Null(PriceTable.Find(model));
        Assert.Null(PriceTable.Cost(model, Usage.Of(1000, 1000)));
    }

    [Fact]
    public void Cost_is_tokens_over_a_million_times_price()
    {
        var cost = PriceTable.Cost("gpt-4o", Usage.Of(1_000, 500))!;
        Assert.Equal(1_000 / 1e6 * 2.50, cost.InputCostUsd, Tolerance);
        Assert.Equal(500 / 1e6 * 10.00, cost.OutputCostUsd, Tolerance);
        Assert.Equal(0.0025 + 0.005, cost.TotalCostUsd, Tolerance);
    }

    [Fact]
    public void Cost_through_a_prefix_and_a_provider_part()
    {
        var cost = PriceTable.Cost("anthropic/claude-sonnet-4-20250514", Usage.Of(2_000_000, 1_000_000))!;
        Assert.Equal(6.00, cost.InputCostUsd, Tolerance);
        Assert.Equal(15.00, cost.OutputCostUsd, Tolerance);
        Assert.Equal(21.00, cost.TotalCostUsd, Tolerance);
        Assert.Equal(cost, PriceTable.Cost("anthropic/claude-sonnet-4-20250514", 2_000_000, 1_000_000));
    }

    [Fact]
    public void No_usage_no_cost()
    {
        Assert.Null(PriceTable.Cost("gpt-4o", (Usage?)null));
        Assert.Equal(0, PriceTable.Cost("gpt-4o", Usage.Of(0, 0))!.TotalCostUsd);
    }

    [Fact]
    public void Custom_list_uses_the_same_rules_and_rejects_duplicates()
    {
        var list = new PriceList([new ModelPrice("a", 1, 2), new ModelPrice("ab", 3, 4)]);
        Assert.Equal("ab", list.Find("abc")!.Model);
        Assert.Equal("a", list.Find("ax")!.Model);
        Assert.Null(list.Find("b"));
        Assert.Throws<ArgumentException>(() => new PriceList([new ModelPrice("a", 1, 2), new ModelPrice("a", 1, 2)]));
    }
}
