using System.Collections.Frozen;

namespace OpenTracy.Providers;

/// <summary>The providers OpenTracy speaks to, with their public endpoints and key variables.</summary>
public static class ProviderCatalog
{
    public static readonly ProviderInfo OpenAI = new("openai", "https://api.openai.com/v1", "OPENAI_API_KEY", "OPENAI_BASE_URL", WireFormat.OpenAI, AuthStyle.Bearer);
    public static readonly ProviderInfo Azure = new("azure", "", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", WireFormat.Azure, AuthStyle.ApiKeyHeader);
    public static readonly ProviderInfo Anthropic = new("anthropic", "https://api.anthropic.com", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", WireFormat.Anthropic, AuthStyle.XApiKey);
    public static readonly ProviderInfo Groq = new("groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY", "GROQ_BASE_URL", WireFormat.OpenAI, AuthStyle.Bearer);
    public static readonly ProviderInfo Mistral = new("mistral", "https://api.mistral.ai/v1", "MISTRAL_API_KEY", "MISTRAL_BASE_URL", WireFormat.OpenAI, AuthStyle.Bearer);
    public static readonly ProviderInfo DeepSeek = new("deepseek", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", WireFormat.OpenAI, AuthStyle.Bearer);
    public static readonly ProviderInfo Perplexity = new("perplexity", "https://api.perplexity.ai", "PERPLEXITY_API_KEY", "PERPLEXITY_BASE_URL", WireFormat.OpenAI, AuthStyle.Bearer);
    public static readonly ProviderInfo Cerebras = new("cerebras", "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY", "CEREBRAS_BASE_URL", WireFormat.OpenAI, AuthStyle.Bearer);
    public static readonly ProviderInfo SambaNova = new("sambanova", "https://api.sambanova.ai/v1", "SAMBANOVA_API_KEY", "SAMBANOVA_BASE_URL", WireFormat.OpenAI, AuthStyle.Bearer);
    public static readonly ProviderInfo Together = new("together", "https://api.together.xyz/v1", "TOGETHER_API_KEY", "TOGETHER_BASE_URL", WireFormat.OpenAI, AuthStyle.Bearer);
    public static readonly ProviderInfo Fireworks = new("fireworks", "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY", "FIREWORKS_BASE_URL", WireFormat.OpenAI, AuthStyle.Bearer);
    public static readonly ProviderInfo Gemini = new("gemini", "https://generativelanguage.googleapis.com/v1beta/openai", "GEMINI_API_KEY", "GEMINI_BASE_URL", WireFormat.OpenAI, AuthStyle.Bearer);
    public static readonly ProviderInfo Cohere = new("cohere", "https://api.cohere.com/compatibility/v1", "COHERE_API_KEY", "COHERE_BASE_URL", WireFormat.OpenAI, AuthStyle.Bearer);
    public static readonly ProviderInfo Bedrock = new("bedrock", "", "AWS_ACCESS_KEY_ID", "BEDROCK_BASE_URL", WireFormat.Bedrock, AuthStyle.SigV4);

    /// <summary>Every provider, in the reference's order.</summary>
    public static readonly IReadOnlyList<ProviderInfo> All =
    [
        OpenAI, Azure, Anthropic, Groq, Mistral, DeepSeek, Perplexity, Cerebras, SambaNova, Together, Fireworks, Gemini, Cohere, Bedrock,
    ];

    private static readonly FrozenDictionary<string, ProviderInfo> ByName = All.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal);

    public static bool TryGet(string name, out ProviderInfo provider) => ByName.TryGetValue(name, out provider!);

    public static ProviderInfo? Find(string name) => ByName.GetValueOrDefault(name);
}
