using OpenTracy.Pricing;

namespace OpenTracy.Routing.Training;

/// <summary>Where a trained profile's <c>cost_per_1k_tokens</c> comes from when no explicit cost is given.</summary>
public static class TrainingCosts
{
    private const double TokensPerThousand = 1_000d;
    private const double InputOutputMean = 2d;

    /// <summary>
    /// The mean of the input and output list prices per 1 000 tokens, from the core price table (exact, else
    /// longest prefix; a <c>provider/</c> part is ignored). This is how the reference profiles' OpenAI costs
    /// were made (gpt-4o: (2.50 + 10.00) / 2 per 1M = 0.00625 per 1k). Null for a model the table lacks.
    /// </summary>
    public static double? FromPriceTable(string model)
        => PriceTable.Find(model) is { } price
            ? (price.InputPerMillion + price.OutputPerMillion) / InputOutputMean / (ModelPrice.TokensPerMillion / TokensPerThousand)
            : null;
}
