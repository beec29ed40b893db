using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using OpenTracy.Engine.Errors;
using OpenTracy.Engine.Requests;
using OpenTracy.Wire;

namespace OpenTracy.Node.Edge;

/// <summary>Writes JSON answers, OpenAI error objects and the <c>X-OpenTracy-*</c> headers.</summary>
public static class EdgeResponses
{
    public const string SelectedModelHeader = "X-OpenTracy-Selected-Model";
    public const string ProviderHeader = "X-OpenTracy-Provider";
    public const string AttemptsHeader = "X-OpenTracy-Attempts";
    public const string RoutingMsHeader = "X-OpenTracy-Routing-Ms";
    public const string RequestIdHeader = "X-Request-Id";
    public const string JsonContentType = "application/json";

    public static void AddRouteHeaders(HttpResponse response, RouteInfo? route)
    {
        if (route is null) return;
        response.Headers[SelectedModelHeader] = route.SelectedModel;
        response.Headers[ProviderHeader] = route.Provider;
        response.Headers[AttemptsHeader] = route.Attempts.ToString(CultureInfo.InvariantCulture);
        response.Headers[RoutingMsHeader] = route.RoutingMs.ToString("F2", CultureInfo.InvariantCulture);
    }

    public static Task WriteJsonAsync<T>(HttpResponse response, int status, T value, JsonTypeInfo<T> typeInfo)
    {
        response.StatusCode = status;
        response.ContentType = JsonContentType;
        return JsonSerializer.SerializeAsync(response.Body, value, typeInfo, response.HttpContext.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpResponse response, EngineError error)
    {
        if (error.RetryAfter is { } retryAfter)
            response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return WriteJsonAsync(response, error.Status, error.Body, EdgeJson.Wire.ErrorResponse);
    }
}
