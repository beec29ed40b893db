using OpenTracy.Wire;

namespace OpenTracy.Engine.Planning;

/// <summary>USD per one million tokens.</summary>
public sealed record ModelPrice(double InputPerMillion, double OutputPerMillion)
{
    private const double TokensPerMillion = 1_000_000d;

    /// <summary>Per-token sum of input and output price (least-cost ordering key).</summary>
    public double PerTokenSum => (InputPerMillion + OutputPerMillion) / TokensPerMillion;

    public CostInfo Cost(Usage usage)
    {
        var input = usage.PromptTokens / TokensPerMillion * InputPerMillion;
        var output = usage.CompletionTokens / TokensPerMillion * OutputPerMillion;
        return new CostInfo { InputCostUsd = input, OutputCostUsd = output, TotalCostUsd = input + output };
    }
}

/// <summary>Model prices by bare model name. The engine uses it for <c>cost</c> and for least-cost ordering.</summary>
public interface IPriceTable
{
    /// <summary>The price of a bare model name, or null when unknown.</summary>
    ModelPrice? Find(string model);
}

public static class PriceTableExtensions
{
    /// <summary>Cost of an answer, or null when the model has no price or there is no usage.</summary>
    public static CostInfo? CostOf(this IPriceTable prices, string model, Usage? usage)
        => usage is null ? null : prices.Find(model)?.Cost(usage);
}
