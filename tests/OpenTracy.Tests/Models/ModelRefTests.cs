using OpenTracy.Models;

namespace OpenTracy.Tests.Models;

public class ModelRefTests
{
    /// <summary>Reference §13.1: the union of the SDK and engine tables, in this order.</summary>
    private static readonly (string Prefix, string Provider)[] ExpectedRules =
    [
        ("gpt-", "openai"), ("o1", "openai"), ("o3", "openai"), ("o4", "openai"),
        ("claude", "anthropic"),
        ("llama", "groq"), ("mixtral", "groq"), ("gemma", "groq"),
        ("mistral", "mistral"), ("ministral", "mistral"), ("codestral", "mistral"), ("pixtral", "mistral"),
        ("deepseek", "deepseek"),
        ("gemini", "gemini"),
        ("command", "cohere"), ("c4ai", "cohere"),
        ("sonar", "perplexity"),
        ("amazon.", "bedrock"), ("us.amazon.", "bedrock"),
    ];

    [Fact]
    public void Prefix_rules_are_the_decided_union_in_order()
    {
        Assert.Equal(ExpectedRules, ModelRef.PrefixRules);
    }

    public static TheoryData<string, string> EveryRule()
    {
        var data = new TheoryData<string, string>();
        foreach (var (prefix, provider) in ModelRef.PrefixRules) data.Add(prefix, provider);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryRule))]
    public void Every_prefix_rule_resolves_a_bare_name(string prefix, string provider)
    {
        foreach (var name in new[] { prefix, prefix + "x-2025" })
        {
            var parsed = ModelRef.Parse(name);
            Assert.Equal(provider, parsed.Provider);
            Assert.Equal(name, parsed.Model);
            Assert.Equal(name, parsed.Original);
            Assert.True(ModelRef.TryResolveForEngine(name, out var engine));
            Assert.Equal(provider, engine.Provider);
            Assert.Equal(name, engine.Model);
        }
    }

    [Theory]
    [InlineData("gpt-4o", "openai")]
    [InlineData("gpt-5", "openai")]
    [InlineData("o3-mini", "openai")]
    [InlineData("o4-mini", "openai")]
    [InlineData("claude-sonnet-4-20250514", "anthropic")]
    [InlineData("llama-3.3-70b-versatile", "groq")]
    [InlineData("mixtral-8x7b-32768", "groq")]
    [InlineData("gemma2-9b-it", "groq")]
    [InlineData("mistral-large-latest", "mistral")]
    [InlineData("ministral-8b-latest", "mistral")]
    [InlineData("codestral-latest", "mistral")]
    [InlineData("pixtral-12b-2409", "mistral")]
    [InlineData("deepseek-chat", "deepseek")]
    [InlineData("gemini-2.0-flash", "gemini")]
    [InlineData("command-r-plus", "cohere")]
    [InlineData("c4ai-aya-expanse-8b", "cohere")]
    [InlineData("sonar-pro", "perplexity")]
    [InlineData("amazon.nova-pro-v1:0", "bedrock")]
    [InlineData("us.amazon.nova-lite-v1:0", "bedrock")]
    public void Real_model_names_resolve(string model, string provider)
    {
        Assert.Equal(provider, ModelRef.Parse(model).Provider);
    }

    [Theory]
    [InlineData("GPT-4o")]      // case-sensitive
    [InlineData("Claude-3")]
    [InlineData("my-model")]
    [InlineData("")]
    public void No_hit_keeps_the_name_with_an_empty_provider(string model)
    {
        var parsed = ModelRef.Parse(model);
        Assert.Equal("", parsed.Provider);
        Assert.Equal(model, parsed.Model);
        Assert.False(parsed.HasProvider);
    }

    [Fact]
    public void Slash_splits_at_the_first_slash()
    {
        var parsed = ModelRef.Parse("together/meta-llama/Llama-3.3-70B-Instruct-Turbo");
        Assert.Equal("together", parsed.Provider);
        Assert.Equal("meta-llama/Llama-3.3-70B-Instruct-Turbo", parsed.Model);
        Assert.Equal("together/meta-llama/Llama-3.3-70B-Instruct-Turbo", parsed.Original);
        Assert.Equal("together/meta-llama/Llama-3.3-70B-Instruct-Turbo", parsed.ToString());
    }

    [Fact]
    public void Sdk_does_not_validate_the_provider_part()
    {
        var parsed = ModelRef.Parse("nosuch/gpt-4o");
        Assert.Equal("nosuch", parsed.Provider);
        Assert.Equal("gpt-4o", parsed.Model);
    }

    [Fact]
    public void Explicit_provider_beats_the_prefix_rules()
    {
        var parsed = ModelRef.Parse("groq/gpt-oss-120b");
        Assert.Equal("groq", parsed.Provider);
        Assert.Equal("gpt-oss-120b", parsed.Model);
    }

    [Fact]
    public void Auto_is_the_engines()
    {
        var parsed = ModelRef.Parse("auto");
        Assert.True(parsed.IsAuto);
        Assert.Equal("", parsed.Provider);
        Assert.False(ModelRef.Parse("openai/auto").IsAuto);
    }

    [Theory]
    [InlineData("openai/gpt-4o", "openai", "gpt-4o")]
    [InlineData("azure/my-gpt5", "azure", "my-gpt5")]
    [InlineData("together/meta-llama/Llama-3.3-70B-Instruct-Turbo", "together", "meta-llama/Llama-3.3-70B-Instruct-Turbo")]
    [InlineData("bedrock/amazon.nova-pro-v1:0", "bedrock", "amazon.nova-pro-v1:0")]
    public void Engine_known_provider_before_the_slash_wins(string model, string provider, string bare)
    {
        Assert.True(ModelRef.TryResolveForEngine(model, out var r));
        Assert.Equal(provider, r.Provider);
        Assert.Equal(bare, r.Model);
        Assert.Equal(model, r.Original);
    }

    [Fact]
    public void Engine_unknown_provider_part_falls_through_to_the_prefix_rules_on_the_full_string()
    {
        // meta-llama is not a provider and the full string matches no prefix.
        Assert.False(ModelRef.TryResolveForEngine("meta-llama/x", out var miss));
        Assert.Equal("", miss.Provider);
        Assert.Equal("meta-llama/x", miss.Model);

        // gemini-exp is not a provider, but the full string starts with "gemini".
        Assert.True(ModelRef.TryResolveForEngine("gemini-exp/tuned", out var hit));
        Assert.Equal("gemini", hit.Provider);
        Assert.Equal("gemini-exp/tuned", hit.Model);
    }

    [Theory]
    [InlineData("unknown-model")]
    [InlineData("/gpt-4o")]     // slash at index 0 is not a provider separator, and "/gpt-4o" matches no rule
    [InlineData("auto")]
    public void Engine_unknown_is_false(string model)
    {
        Assert.False(ModelRef.TryResolveForEngine(model, out var r));
        Assert.Equal("", r.Provider);
    }
}
