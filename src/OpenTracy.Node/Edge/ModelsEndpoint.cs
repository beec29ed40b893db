using OpenTracy.Engine.Configuration;
using OpenTracy.Models;
using OpenTracy.Pricing;
using OpenTracy.Providers;

namespace OpenTracy.Node.Edge;

/// <summary>
/// <c>GET /v1/models</c> in OpenAI's list shape: the model-group aliases (owned by <c>opentracy</c>),
/// their deployments, the extra models of <c>opentracy.models</c> (owned by their provider), and the
/// priced models of every provider this node can call (it has a key or a base-URL override), as
/// <c>provider/model</c>. The list is fixed at start, like the configuration it reflects.
/// </summary>
public sealed class ModelsEndpoint
{
    public const string AliasOwner = "opentracy";
    private readonly ModelList _list;

    public ModelsEndpoint(OpenTracySettings settings, TimeProvider time, ProviderEnvironment environment, PriceList prices)
    {
        var created = time.GetUtcNow().ToUnixTimeSeconds();
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
        => EdgeResponses.WriteJsonAsync(context.Response, StatusCodes.Status200OK, _list, NodeJson.Default.ModelList);

    private static bool IsCallable(ProviderInfo provider, ProviderEnvironment environment)
        => environment.Credentials(provider).IsPresent || environment.Get(provider.BaseUrlEnvVar) is not null;

    private static string Owner(string model)
        => ModelRef.TryResolveForEngine(model, out var r) ? r.Provider : AliasOwner;
}
