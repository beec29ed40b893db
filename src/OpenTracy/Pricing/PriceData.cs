namespace OpenTracy.Pricing;

/// <summary>
/// The built-in price table: public list prices in USD per 1M tokens (input, output) and context
/// limits (max input / max output tokens) where known. Keys are exact model names or family
/// prefixes; <see cref="PriceList"/> resolves dated variants by longest prefix
/// (<c>gpt-4o-mini-2024-07-18</c> → <c>gpt-4o-mini</c>).
/// Rows marked "ref" carry the reference SDK's/engine's values (reference behaviour §9) and are
/// pinned by tests; the others are list prices as published by each provider (base tier: no
/// batch, cache or long-context surcharges). Data, not logic: edit rows, keep one row per key.
/// </summary>
public static class PriceData
{
    public static readonly IReadOnlyList<ModelPrice> Models =
    [
        // ── OpenAI ───────────────────────────────────────────────────────────────
        new("gpt-4o", 2.50, 10.00, 128_000, 16_384),                      // ref
        new("gpt-4o-2024-05-13", 5.00, 15.00, 128_000, 4_096),
        new("gpt-4o-mini", 0.15, 0.60, 128_000, 16_384),                  // ref
        new("gpt-4o-audio-preview", 2.50, 10.00, 128_000, 16_384),
        new("gpt-4o-search-preview", 2.50, 10.00, 128_000, 16_384),
        new("gpt-4o-mini-search-preview", 0.15, 0.60, 128_000, 16_384),
        new("chatgpt-4o-latest", 5.00, 15.00, 128_000, 16_384),
        new("gpt-4.1", 2.00, 8.00, 1_047_576, 32_768),
        new("gpt-4.1-mini", 0.40, 1.60, 1_047_576, 32_768),
        new("gpt-4.1-nano", 0.10, 0.40, 1_047_576, 32_768),
        new("gpt-4.5-preview", 75.00, 150.00, 128_000, 16_384),
        new("gpt-5", 1.25, 10.00, 272_000, 128_000),
        new("gpt-5-mini", 0.25, 2.00, 272_000, 128_000),
        new("gpt-5-nano", 0.05, 0.40, 272_000, 128_000),
        new("gpt-5-chat-latest", 1.25, 10.00, 128_000, 16_384),
        new("gpt-5-pro", 15.00, 120.00, 272_000, 128_000),
        new("gpt-5.1", 1.25, 10.00, 272_000, 128_000),
        new("gpt-4-turbo", 10.00, 30.00, 128_000, 4_096),                 // ref (engine)
        new("gpt-4-32k", 60.00, 120.00, 32_768, 4_096),
        new("gpt-4-1106-preview", 10.00, 30.00, 128_000, 4_096),
        new("gpt-4-0125-preview", 10.00, 30.00, 128_000, 4_096),
        new("gpt-4", 30.00, 60.00, 8_192, 4_096),                         // ref (engine)
        new("gpt-3.5-turbo", 0.50, 1.50, 16_385, 4_096),                  // ref (engine)
        new("o1", 15.00, 60.00, 200_000, 100_000),                        // ref (engine)
        new("o1-mini", 3.00, 12.00, 128_000, 65_536),                     // ref (engine)
        new("o1-preview", 15.00, 60.00, 128_000, 32_768),
        new("o1-pro", 150.00, 600.00, 200_000, 100_000),
        new("o3", 2.00, 8.00, 200_000, 100_000),
        new("o3-mini", 1.10, 4.40, 200_000, 100_000),                     // ref
        new("o3-pro", 20.00, 80.00, 200_000, 100_000),
        new("o4-mini", 1.10, 4.40, 200_000, 100_000),                     // ref (engine)

        // ── Anthropic ────────────────────────────────────────────────────────────
        new("claude-opus-4-6", 15.00, 75.00, 200_000, 32_000),            // ref
        new("claude-sonnet-4-6", 3.00, 15.00, 200_000, 64_000),           // ref
        new("claude-haiku-4-5-20251001", 0.80, 4.00, 200_000, 8_192),     // ref
        new("claude-haiku-4-5", 0.80, 4.00, 200_000, 8_192),              // same model as the ref row
        new("claude-opus-4-5", 5.00, 25.00, 200_000, 64_000),
        new("claude-opus-4-1", 15.00, 75.00, 200_000, 32_000),
        new("claude-opus-4", 15.00, 75.00, 200_000, 32_000),              // ref (engine)
        new("claude-sonnet-4-5", 3.00, 15.00, 200_000, 64_000),
        new("claude-sonnet-4", 3.00, 15.00, 200_000, 64_000),             // ref (engine)
        new("claude-3-7-sonnet", 3.00, 15.00, 200_000, 128_000),
        new("claude-3-5-sonnet", 3.00, 15.00, 200_000, 8_192),            // ref (engine)
        new("claude-3-5-haiku", 0.80, 4.00, 200_000, 8_192),              // ref (engine)
        new("claude-3-opus", 15.00, 75.00, 200_000, 4_096),               // ref (engine)
        new("claude-3-sonnet", 3.00, 15.00, 200_000, 4_096),
        new("claude-3-haiku", 0.25, 1.25, 200_000, 4_096),                // ref (engine)

        // ── Google Gemini ────────────────────────────────────────────────────────
        new("gemini-2.5-pro", 1.25, 10.00, 1_048_576, 65_535),
        new("gemini-2.5-flash", 0.30, 2.50, 1_048_576, 65_535),
        new("gemini-2.5-flash-lite", 0.10, 0.40, 1_048_576, 65_535),
        new("gemini-2.0-flash", 0.10, 0.40, 1_048_576, 8_192),            // ref
        new("gemini-2.0-flash-lite", 0.075, 0.30, 1_048_576, 8_192),
        new("gemini-1.5-pro", 1.25, 5.00, 2_097_152, 8_192),
        new("gemini-1.5-flash", 0.075, 0.30, 1_048_576, 8_192),
        new("gemini-1.5-flash-8b", 0.0375, 0.15, 1_048_576, 8_192),

        // ── Mistral ──────────────────────────────────────────────────────────────
        new("mistral-large-latest", 2.00, 6.00, 128_000, 8_192),          // ref
        new("mistral-large", 2.00, 6.00, 128_000, 8_192),                 // ref (engine)
        new("mistral-medium", 0.40, 2.00, 128_000, 8_192),
        new("mistral-small", 0.10, 0.30, 128_000, 8_192),                 // ref (engine)
        new("mistral-saba", 0.20, 0.60, 32_000, 8_192),
        new("open-mistral-nemo", 0.15, 0.15, 128_000, 8_192),
        new("codestral", 0.30, 0.90, 256_000, 8_192),                     // ref (engine)
        new("pixtral-12b", 0.15, 0.15, 128_000, 8_192),                   // ref (engine)
        new("pixtral-large", 2.00, 6.00, 128_000, 8_192),
        new("ministral-8b", 0.10, 0.10, 128_000, 8_192),                  // ref (engine)
        new("ministral-3b", 0.04, 0.04, 128_000, 8_192),                  // ref (engine)
        new("magistral-medium", 2.00, 5.00, 40_000, 40_000),
        new("magistral-small", 0.50, 1.50, 40_000, 40_000),

        // ── DeepSeek ─────────────────────────────────────────────────────────────
        new("deepseek-chat", 0.14, 0.28, 64_000, 8_192),                  // ref
        new("deepseek-coder", 0.14, 0.28, 128_000, 4_096),                // ref (engine)
        new("deepseek-reasoner", 0.55, 2.19, 64_000, 8_192),              // ref (engine)

        // ── Groq-hosted open models ──────────────────────────────────────────────
        new("llama-3.3-70b-versatile", 0.59, 0.79, 128_000, 32_768),      // ref
        new("llama-3.3-70b-specdec", 0.59, 0.99, 8_192, 8_192),
        new("llama-3.3-70b", 0.59, 0.79, 128_000, 32_768),                // ref (engine)
        new("llama-3.1-70b", 0.59, 0.79, 128_000, 8_192),                 // ref (engine)
        new("llama-3.1-8b", 0.05, 0.08, 128_000, 8_192),                  // ref (engine)
        new("llama-3.2-1b-preview", 0.04, 0.04, 8_192, 8_192),
        new("llama-3.2-3b-preview", 0.06, 0.06, 8_192, 8_192),
        new("llama-3.2-11b-vision-preview", 0.18, 0.18, 8_192, 8_192),
        new("llama-3.2-90b-vision-preview", 0.90, 0.90, 8_192, 8_192),
        new("llama3-70b-8192", 0.59, 0.79, 8_192, 8_192),
        new("llama3-8b-8192", 0.05, 0.08, 8_192, 8_192),
        new("llama-guard-3-8b", 0.20, 0.20, 8_192, 8_192),
        new("meta-llama/llama-4-scout-17b-16e-instruct", 0.11, 0.34, 131_072, 8_192),
        new("meta-llama/llama-4-maverick-17b-128e-instruct", 0.20, 0.60, 131_072, 8_192),
        new("deepseek-r1-distill-llama-70b", 0.75, 0.99, 128_000, 16_384),
        new("mixtral-8x7b", 0.24, 0.24, 32_768, 32_768),                  // ref (engine)
        new("gemma-7b", 0.07, 0.07, 8_192, 8_192),                        // ref (engine)
        new("gemma2-9b-it", 0.20, 0.20, 8_192, 8_192),

        // ── Together ─────────────────────────────────────────────────────────────
        new("meta-llama/Llama-3.3-70B-Instruct-Turbo", 0.88, 0.88, 131_072, 8_192),

        // ── Cohere ───────────────────────────────────────────────────────────────
        new("command-a", 2.50, 10.00, 256_000, 8_192),
        new("command-r-plus", 2.50, 10.00, 128_000, 4_096),
        new("command-r7b", 0.0375, 0.15, 128_000, 4_096),
        new("command-r", 0.15, 0.60, 128_000, 4_096),
        new("command-light", 0.30, 0.60, 4_096, 4_096),
        new("c4ai-aya-expanse", 0.50, 1.50),

        // ── Perplexity ───────────────────────────────────────────────────────────
        new("sonar", 1.00, 1.00, 127_072, 8_000),
        new("sonar-pro", 3.00, 15.00, 200_000, 8_000),
        new("sonar-reasoning", 1.00, 5.00, 127_072, 8_000),
        new("sonar-reasoning-pro", 2.00, 8.00, 127_072, 8_000),
        new("sonar-deep-research", 2.00, 8.00, 127_072, 8_000),

        // ── Amazon Bedrock (Nova), on-demand and US cross-region inference ids ───
        new("amazon.nova-micro", 0.035, 0.14, 128_000, 10_000),
        new("amazon.nova-lite", 0.06, 0.24, 300_000, 10_000),
        new("amazon.nova-pro", 0.80, 3.20, 300_000, 10_000),
        new("amazon.nova-premier", 2.50, 12.50, 1_000_000, 10_000),
        new("us.amazon.nova-micro", 0.035, 0.14, 128_000, 10_000),
        new("us.amazon.nova-lite", 0.06, 0.24, 300_000, 10_000),
        new("us.amazon.nova-pro", 0.80, 3.20, 300_000, 10_000),
        new("us.amazon.nova-premier", 2.50, 12.50, 1_000_000, 10_000),
    ];
}
