using OpenTracy.Engine.Configuration;
using OpenTracy.Models;

namespace OpenTracy.Node.Edge;

/// <summary>
/// <c>GET /v1/models</c> in OpenAI's list shape: the model-group aliases (owned by <c>opentracy</c>),
/// their deployments, and the extra models of <c>opentracy.models</c> (owned by their provider).
/// </summary>
public sealed class ModelsEndpoint
{
    public const string AliasOwner = "opentracy";
    private readonly ModelList _list;

    public ModelsEndpoint(OpenTracySettings settings, TimeProvider time)
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
        _list = new ModelList("list", entries);
    }

    public Task HandleAsync(HttpContext context)
        => EdgeResponses.WriteJsonAsync(context.Response, StatusCodes.Status200OK, _list, NodeJson.Default.ModelList);

    private static string Owner(string model)
        => ModelRef.TryResolveForEngine(model, out var r) ? r.Provider : AliasOwner;
}
