using System.Globalization;
using OpenTracy.Engine.Errors;
using OpenTracy.Models;
using OpenTracy.Routing;
using OpenTracy.Routing.Scoring;
using OpenTracy.Wire;

namespace OpenTracy.Node.Routing;

/// <summary>
/// Resolves <c>model: "auto"</c> (or an empty/missing model) at the edge, before the request reaches the actor
/// system: the semantic router picks a model from the last user message (async, off the actor threads) and the
/// request continues with that bare model name through the normal resolution (prefix rules → provider); "auto"
/// never goes upstream. The decision's headers are added to the response by the edge.
/// </summary>
public sealed class AutoModel(RoutingEndpoints routing)
{
    public const string ClusterIdHeader = "X-OpenTracy-Cluster-Id";
    public const string ExpectedErrorHeader = "X-OpenTracy-Expected-Error";
    private const string ExpectedErrorFormat = "F4";
    private const string RoutingMsFormat = "F2";

    public static bool IsAuto(string? model) => string.IsNullOrWhiteSpace(model) || model.Trim() == ModelRef.Auto;

    /// <summary>The request with the chosen model and the decision, or the error to answer.</summary>
    public async Task<(ChatRequest? Request, RoutingDecision? Decision, EngineError? Error)> ResolveAsync(ChatRequest request, CancellationToken cancellationToken)
    {
        var (router, unavailable) = await routing.RouterAsync(cancellationToken);
        if (router is null) return (null, null, unavailable);
        try
        {
            var decision = await router.RouteMessagesAsync(request.Messages ?? [], cancellationToken);
            return (request with { Model = decision.SelectedModel }, decision, null);
        }
        catch (RoutingException ex)
        {
            return (null, null, RoutingEndpoints.FromRoutingException(ex));
        }
    }

    /// <summary>Sets the routing headers (after the engine's route headers, whose selected model and routing time they replace).</summary>
    public static void AddHeaders(HttpResponse response, RoutingDecision? decision)
    {
        if (decision is null) return;
        response.Headers[Edge.EdgeResponses.SelectedModelHeader] = decision.SelectedModel;
        response.Headers[ClusterIdHeader] = decision.ClusterId.ToString(CultureInfo.InvariantCulture);
        response.Headers[ExpectedErrorHeader] = decision.ExpectedError.ToString(ExpectedErrorFormat, CultureInfo.InvariantCulture);
        response.Headers[Edge.EdgeResponses.RoutingMsHeader] = decision.RoutingMs.ToString(RoutingMsFormat, CultureInfo.InvariantCulture);
    }
}
