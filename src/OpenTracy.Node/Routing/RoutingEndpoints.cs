using System.Text.Json;
using OpenTracy.Engine.Errors;
using OpenTracy.Node.Edge;
using OpenTracy.Routing;
using OpenTracy.Routing.Api;
using OpenTracy.Wire;

namespace OpenTracy.Node.Routing;

/// <summary>
/// <c>POST /v1/route</c> (reference §7.2 shape) and <c>POST /v1/weights/reload</c> (§7.1), plus the mapping of
/// routing failures to HTTP: bad input → 400, routing off or no weights → 400, model still loading → 503,
/// anything else → 500.
/// </summary>
public sealed class RoutingEndpoints(SemanticRouting routing, OpenTracy.Engine.Configuration.OpenTracySettings settings)
{
    public const string RoutingFailedPrefix = "routing failed: ";
    public const string ReloadFailedPrefix = "failed to reload weights: ";

    public async Task RouteAsync(HttpContext context)
    {
        var (request, readError) = await ReadAsync(context, RoutingJson.Default.RouteRequest);
        if (readError is not null)
        {
            await EdgeResponses.WriteErrorAsync(context.Response, readError);
            return;
        }
        var (router, unavailable) = await RouterAsync(context.RequestAborted);
        if (router is null)
        {
            await EdgeResponses.WriteErrorAsync(context.Response, unavailable!);
            return;
        }
        try
        {
            var response = await router.RouteAsync(request ?? new RouteRequest(), context.RequestAborted);
            await EdgeResponses.WriteJsonAsync(context.Response, StatusCodes.Status200OK, response, RoutingJson.Default.RouteResponse);
        }
        catch (RoutingException ex)
        {
            await EdgeResponses.WriteErrorAsync(context.Response, FromRoutingException(ex));
        }
    }

    public async Task ReloadAsync(HttpContext context)
    {
        var (request, readError) = await ReadAsync(context, RoutingJson.Default.WeightsReloadRequest);
        if (readError is not null)
        {
            await EdgeResponses.WriteErrorAsync(context.Response, readError);
            return;
        }
        // A node without a configured weights path has no model loaded: it cannot take weights at run time.
        if (!routing.Enabled)
        {
            await EdgeResponses.WriteErrorAsync(context.Response, EngineError.BadRequest(RoutingErrors.NoWeightsPath));
            return;
        }
        var (router, unavailable) = await RouterAsync(context.RequestAborted, requireWeights: false);
        if (router is null)
        {
            await EdgeResponses.WriteErrorAsync(context.Response, unavailable!);
            return;
        }
        try
        {
            var response = await router.ReloadAsync(request?.WeightsPath, context.RequestAborted);
            await EdgeResponses.WriteJsonAsync(context.Response, StatusCodes.Status200OK, response, RoutingJson.Default.WeightsReloadResponse);
        }
        catch (RoutingException ex) when (ex.Kind == RoutingErrorKind.InvalidRequest)
        {
            await EdgeResponses.WriteErrorAsync(context.Response, EngineError.BadRequest(ex.Message));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await EdgeResponses.WriteErrorAsync(context.Response, EngineError.Internal(ReloadFailedPrefix + ex.Message));
        }
    }

    /// <summary>
    /// The router for a request, or the error to answer: routing off → 400 (the edge's usual "specify a model"),
    /// model still loading after the wait → 503, no weights installed (when required) → 400.
    /// </summary>
    public async Task<(SemanticRouter? Router, EngineError? Error)> RouterAsync(CancellationToken cancellationToken, bool requireWeights = true)
    {
        SemanticRouter? router;
        try
        {
            router = await routing.GetRouterAsync(cancellationToken);
        }
        catch (TimeoutException)
        {
            return (null, Starting());
        }
        if (router is null || (requireWeights && !router.IsAvailable)) return (null, EngineError.SemanticRoutingUnavailable());
        return (router, null);
    }

    /// <summary>Bad input → 400; no weights → 400 (specify a model); anything else → 500 <c>routing failed: ...</c>.</summary>
    public static EngineError FromRoutingException(RoutingException ex) => ex.Kind switch
    {
        RoutingErrorKind.InvalidRequest or RoutingErrorKind.NoModels => EngineError.BadRequest(ex.Message),
        RoutingErrorKind.NotAvailable => EngineError.SemanticRoutingUnavailable(),
        _ => EngineError.Internal(RoutingFailedPrefix + ex.Message),
    };

    private static EngineError Starting()
        => new(StatusCodes.Status503ServiceUnavailable, ErrorResponse.Of(SemanticRouting.StartingMessage, EngineError.Api, "semantic_routing_starting"));

    /// <summary>Reads a small JSON body (an empty body is null): malformed JSON → 400 <c>invalid request body: ...</c>.</summary>
    private async Task<(T? Value, EngineError? Error)> ReadAsync<T>(HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        var limit = settings.Http.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit) return (null, EngineError.TooLarge(limit));
        using var buffer = new MemoryStream();
        try
        {
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, EngineError.TooLarge(limit));
        }
        if (buffer.Length == 0) return (null, null);
        try
        {
            return (JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), type), null);
        }
        catch (JsonException ex)
        {
            return (null, EngineError.InvalidBody(ex.Message));
        }
    }
}
