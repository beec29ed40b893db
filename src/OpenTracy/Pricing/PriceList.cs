using System.Collections.Frozen;
using OpenTracy.Wire;

namespace OpenTracy.Pricing;

/// <summary>
/// A set of model prices with the engine's lookup rule: the exact key, else the longest key that is
/// a prefix of the model (<c>claude-sonnet-4-20250514</c> → <c>claude-sonnet-4</c>). A
/// <c>provider/model</c> string that matches nothing as a whole is looked up again without the part
/// before the first slash (<c>openai/gpt-4o</c> → <c>gpt-4o</c>,
/// <c>together/meta-llama/Llama-3.3-70B-Instruct-Turbo</c> → <c>meta-llama/Llama-3.3-70B-Instruct-Turbo</c>).
/// Matching is case-sensitive, like the provider prefix rules. Lookups do not allocate.
/// </summary>
public sealed class PriceList
{
    private readonly FrozenDictionary<string, ModelPrice> _byModel;
    private readonly FrozenDictionary<string, ModelPrice>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly int _longestKey;

    public PriceList(IEnumerable<ModelPrice> prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        var map = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);
        foreach (var p in prices)
        {
            ArgumentException.ThrowIfNullOrEmpty(p.Model);
            if (!map.TryAdd(p.Model, p)) throw new ArgumentException($"duplicate price for model '{p.Model}'", nameof(prices));
        }
        _byModel = map.ToFrozenDictionary(StringComparer.Ordinal);
        _bySpan = _byModel.GetAlternateLookup<ReadOnlySpan<char>>();
        _longestKey = map.Count == 0 ? 0 : map.Keys.Max(k => k.Length);
    }

    /// <summary>Every entry, keyed by model name or prefix.</summary>
    public IReadOnlyDictionary<string, ModelPrice> Entries => _byModel;

    public int Count => _byModel.Count;

    /// <summary>The price for a model (exact, else longest prefix; then without a <c>provider/</c> part), or null.</summary>
    public ModelPrice? Find(string? model)
    {
        if (string.IsNullOrEmpty(model)) return null;
        var name = model.AsSpan();
        if (FindBare(name) is { } whole) return whole;
        var slash = name.IndexOf('/');
        return slash >= 0 ? FindBare(name[(slash + 1)..]) : null;
    }

    /// <summary>Cost of a call, or null when the model is unknown or there is no usage.</summary>
    public CostInfo? Cost(string? model, Usage? usage)
        => usage is not null && Find(model) is { } price ? price.Cost(usage) : null;

    /// <summary>Cost of a call from raw token counts, or null when the model is unknown.</summary>
    public CostInfo? Cost(string? model, long promptTokens, long completionTokens)
        => Find(model)?.Cost(promptTokens, completionTokens);

    private ModelPrice? FindBare(ReadOnlySpan<char> name)
    {
        // Longest first: the full name (exact match), then ever shorter prefixes.
        for (var length = Math.Min(name.Length, _longestKey); length > 0; length--)
            if (_bySpan.TryGetValue(name[..length], out var price)) return price;
        return null;
    }
}

/// <summary>The built-in price table (<see cref="PriceData"/>) and its lookups.</summary>
public static class PriceTable
{
    public static PriceList Default { get; } = new(PriceData.Models);

    /// <inheritdoc cref="PriceList.Find"/>
    public static ModelPrice? Find(string? model) => Default.Find(model);

    /// <inheritdoc cref="PriceList.Cost(string, Usage)"/>
    public static CostInfo? Cost(string? model, Usage? usage) => Default.Cost(model, usage);

    /// <inheritdoc cref="PriceList.Cost(string, long, long)"/>
    public static CostInfo? Cost(string? model, long promptTokens, long completionTokens) => Default.Cost(model, promptTokens, completionTokens);

    /// <summary>Sorted model keys (the SDK's <c>supported_models()</c>).</summary>
    public static IReadOnlyList<string> SupportedModels { get; } = [.. Default.Entries.Keys.Order(StringComparer.Ordinal)];
}
