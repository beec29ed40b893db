using OpenTracy.Pricing;

namespace OpenTracy.Sdk;

/// <summary>The price table the SDK uses for <c>_cost</c>: the built-in per-1M table, exact then longest-prefix match.</summary>
internal static class SdkPricing
{
    public static readonly PriceLookup Lookup = static (model, usage) => PriceTable.Cost(model, usage);
}
