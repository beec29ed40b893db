using OpenTracy.Wire;

namespace OpenTracy.Pricing;

/// <summary>
/// List price of one model (or model family, when used as a prefix key) in USD per 1M tokens,
/// with its context limits where known.
/// </summary>
/// <param name="Model">Exact model name, or the prefix that dated/suffixed variants share.</param>
/// <param name="InputPerMillion">USD per 1M prompt tokens.</param>
/// <param name="OutputPerMillion">USD per 1M completion tokens.</param>
/// <param name="MaxInputTokens">Context window (input), when known.</param>
/// <param name="MaxOutputTokens">Largest completion, when known.</param>
public sealed record ModelPrice(string Model, double InputPerMillion, double OutputPerMillion, int? MaxInputTokens = null, int? MaxOutputTokens = null)
{
    public const double TokensPerMillion = 1_000_000d;

    /// <summary>USD per prompt token (the SDK's <c>input_cost_per_token</c>).</summary>
    public double InputPerToken => InputPerMillion / TokensPerMillion;

    /// <summary>USD per completion token (the SDK's <c>output_cost_per_token</c>).</summary>
    public double OutputPerToken => OutputPerMillion / TokensPerMillion;

    /// <summary>cost_in = tokens_in / 1e6 × price_in, cost_out likewise, total = sum.</summary>
    public CostInfo Cost(long promptTokens, long completionTokens)
    {
        var input = promptTokens / TokensPerMillion * InputPerMillion;
        var output = completionTokens / TokensPerMillion * OutputPerMillion;
        return new CostInfo { InputCostUsd = input, OutputCostUsd = output, TotalCostUsd = input + output };
    }

    public CostInfo Cost(Usage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return Cost(usage.PromptTokens, usage.CompletionTokens);
    }
}
