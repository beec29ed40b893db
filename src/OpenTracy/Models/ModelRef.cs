using OpenTracy.Providers;

namespace OpenTracy.Models;

/// <summary>
/// A model string split into provider and bare model. <c>provider/model</c> splits at the first
/// slash; a bare name is resolved by the ordered prefix rules; <c>auto</c> is the engine's.
/// </summary>
public sealed record ModelRef(string Provider, string Model, string Original)
{
    public const string Auto = "auto";

    /// <summary>Ordered prefix rules for bare names (first hit wins, case-sensitive).</summary>
    public static readonly IReadOnlyList<(string Prefix, string Provider)> PrefixRules =
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

    public bool IsAuto => Provider.Length == 0 && Model == Auto;
    public bool HasProvider => Provider.Length > 0;

    /// <summary>
    /// SDK parsing: split at the first slash (the provider part is not validated here);
    /// otherwise the prefix rules; no hit → empty provider, model kept as-is.
    /// </summary>
    public static ModelRef Parse(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var slash = model.IndexOf('/');
        if (slash >= 0) return new ModelRef(model[..slash], model[(slash + 1)..], model);
        return new ModelRef(ProviderForBareName(model) ?? string.Empty, model, model);
    }

    /// <summary>The provider a bare name resolves to by prefix, or null.</summary>
    public static string? ProviderForBareName(string model)
    {
        foreach (var (prefix, provider) in PrefixRules)
            if (model.StartsWith(prefix, StringComparison.Ordinal)) return provider;
        return null;
    }

    /// <summary>
    /// Engine resolution: a known provider before the first slash wins; otherwise the whole string
    /// goes through the prefix rules (so <c>meta-llama/x</c> is not mistaken for a provider).
    /// </summary>
    public static bool TryResolveForEngine(string model, out ModelRef resolved)
    {
        var slash = model.IndexOf('/');
        if (slash > 0 && ProviderCatalog.TryGet(model[..slash], out var p))
        {
            resolved = new ModelRef(p.Name, model[(slash + 1)..], model);
            return true;
        }
        var byPrefix = ProviderForBareName(model);
        resolved = new ModelRef(byPrefix ?? string.Empty, model, model);
        return byPrefix is not null;
    }

    public override string ToString() => Original;
}
