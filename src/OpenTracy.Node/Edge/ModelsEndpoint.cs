using OpenTracy.Engine.Configuration;
using OpenTracy.Models;
using OpenTracy.Node.Routing;
using OpenTracy.Pricing;
using OpenTracy.Providers;

namespace OpenTracy.Node.Edge;

/// <summary>
/// <c>GET /v1/models</c> in OpenAI's list shape: the model-group aliases (owned by <c>opentracy</c>),
/// their deployments, the extra models of <c>opentracy.models</c> (owned by their provider), and the
/// priced models of every provider this node can call (it has a key or a base-URL override), as
/// <c>provider/model</c>. The list is fixed at start, like the configuration it reflects — except for semantic
/// routing: while weights are loaded it adds <c>auto</c> and the models of the weights' profiles (owned by their
/// provider by the prefix rules), as they are after the latest reload.
/// </summary>
public sealed class ModelsEndpoint
{
    public const string AliasOwner = "opentracy";
    private readonly ModelList _list;
    private readonly SemanticRouting _routing;
    private readonly long _created;

    public ModelsEndpoint(OpenTracySettings settings, TimeProvider time, ProviderEnvironment environment, PriceList prices, SemanticRouting routing)
    {
        _routing = routing;
        var created = _created = time.GetUtcNow().ToUnixTimeSeconds();
        var entries = new List<ModelEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string id, string owner)
        {
            if (seen.Add(id)) entries.Add(new ModelEntry(id, "model", created, owner));
        }
        foreach (var group in settings.ModelGroups.Values.OrderBy(g => g.Alias, StringComparer.Ordinal))
            Add(group.Alias, AliasOwner);
        foreach (var group in settings.ModelGroups.Values.OrderBy(g => g.Alias, StringComparer.Ordinal))
            foreach (var d in group.Deployments) Add(d.Model, Owner(d.Model));
        foreach (var model in settings.Models) Add(model, Owner(model));
        var callable = ProviderCatalog.All.Where(p => IsCallable(p, environment)).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var model in prices.Entries.Keys.Order(StringComparer.Ordinal))
            if (ModelRef.ProviderForBareName(model) is { } provider && callable.Contains(provider))
                Add($"{provider}/{model}", provider);
        _list = new ModelList("list", entries);
    }

    public Task HandleAsync(HttpContext context)
        => EdgeResponses.WriteJsonAsync(context.Response, StatusCodes.Status200OK, Current(), NodeJson.Default.ModelList);

    private ModelList Current()
    {
        if (_routing.Router?.CurrentWeights is not { } weights) return _list;
        var entries = new List<ModelEntry> { new(ModelRef.Auto, "model", _created, AliasOwner) };
        var seen = _list.Data.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var model in weights.Profiles.Select(p => p.ModelId).Order(StringComparer.Ordinal))
            if (seen.Add(model)) entries.Add(new ModelEntry(model, "model", _created, Owner(model)));
        return _list with { Data = [.. _list.Data, .. entries] };
    }

    private static bool IsCallable(ProviderInfo provider, ProviderEnvironment environment)
        => environment.Credentials(provider).IsPresent || environment.Get(provider.BaseUrlEnvVar) is not null;

    private static string Owner(string model)
        => ModelRef.TryResolveForEngine(model, out var r) ? r.Provider : AliasOwner;
}
