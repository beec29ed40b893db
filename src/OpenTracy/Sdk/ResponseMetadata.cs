using OpenTracy.Models;
using OpenTracy.Wire;

namespace OpenTracy.Sdk;

/// <summary>A price lookup: the cost of <paramref name="usage"/> on a bare model name, or null when the model has no price.</summary>
internal delegate CostInfo? PriceLookup(string model, Usage usage);

/// <summary>
/// Fills OpenTracy's extras on a response: <c>_provider</c>, <c>_latency_ms</c>, <c>_cost</c>
/// (price table × usage; the engine's own <c>cost.total_cost_usd</c> when it sent one, with
/// <c>cost</c> removed) and <c>_routing</c> (the engine's <c>X-OpenTracy-*</c> headers).
/// </summary>
internal static class ResponseMetadata
{
    private static readonly IReadOnlyDictionary<string, string> NoRouting = new Dictionary<string, string>();

    /// <summary>Routing key of the engine's selected model header.</summary>
    public const string SelectedModelKey = "selected_model";

    /// <summary>Routing key of the engine's provider header.</summary>
    public const string ProviderKey = "provider";

    public static ModelResponse ForDirect(ModelResponse response, DirectTarget target, TimeSpan latency, PriceLookup price) => response with
    {
        CostUsd = CostOf(price, target.Model, response.Usage),
        LatencyMs = latency.TotalMilliseconds,
        Provider = target.Ref.Provider,
        Routing = response.Routing ?? NoRouting,
    };

    public static ModelResponse ForEngine(EngineAnswer answer, EngineTarget target, TimeSpan latency, PriceLookup price)
    {
        var response = answer.Response;
        var cost = response.Cost is { } engineCost
            ? engineCost.TotalCostUsd
            : CostOf(price, PricedModel(answer.Routing, target), response.Usage);
        return response with
        {
            Cost = null,
            CostUsd = cost,
            LatencyMs = latency.TotalMilliseconds,
            Provider = EngineProvider(answer.Routing, target),
            Routing = answer.Routing,
        };
    }

    /// <summary>A stream's usage chunk gets the price-table cost (when the chunk has none yet and the model has a price).</summary>
    public static StreamChunk PriceChunk(StreamChunk chunk, string bareModel, PriceLookup price)
        => chunk is { Usage: { } usage, Cost: null } && price(bareModel, usage) is { } cost ? chunk with { Cost = cost } : chunk;

    /// <summary>
    /// The model the engine actually used, bare: its <c>X-OpenTracy-Selected-Model</c> header, else the
    /// requested string. (The reference looks up the full <c>provider/model</c> string, which never matches.)
    /// </summary>
    public static string PricedModel(IReadOnlyDictionary<string, string> routing, EngineTarget target)
        => ModelRef.Parse(routing.TryGetValue(SelectedModelKey, out var selected) && selected.Length > 0 ? selected : target.Model).Model;

    /// <summary>The engine's <c>X-OpenTracy-Provider</c> when present (so <c>auto</c> reports where it went), else the parsed prefix.</summary>
    public static string EngineProvider(IReadOnlyDictionary<string, string> routing, EngineTarget target)
        => routing.TryGetValue(ProviderKey, out var p) && p.Length > 0 ? p : target.Ref.Provider;

    /// <summary>The reference reports 0.0 for a model without a price or a response without usage.</summary>
    private static double CostOf(PriceLookup price, string model, Usage? usage)
        => usage is null ? 0.0 : price(model, usage)?.TotalCostUsd ?? 0.0;
}
