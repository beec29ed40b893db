using OpenTracy.Engine.Configuration;
using OpenTracy.Engine.Errors;

namespace OpenTracy.Node.Edge;

/// <summary>
/// Optional gateway keys (<c>opentracy.http.gateway-keys</c> / <c>OPENTRACY_GATEWAY_KEYS</c>): when
/// any are configured, <c>/v1/*</c> needs <c>Authorization: Bearer &lt;key&gt;</c>; otherwise the gateway is open.
/// </summary>
public sealed class GatewayKeys(HttpSettings settings)
{
    private const string BearerPrefix = "Bearer ";

    public bool Enabled => settings.GatewayKeys.Count > 0;

    public bool Accepts(HttpRequest request)
    {
        if (!Enabled) return true;
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase)) return false;
        var presented = header.AsSpan(BearerPrefix.Length).Trim();
        var ok = false;
        foreach (var key in settings.GatewayKeys) ok |= key.Matches(presented);
        return ok;
    }

    /// <summary>Middleware: refuses <c>/v1/*</c> without an accepted key (401, OpenAI error object).</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments("/v1") || Accepts(context.Request))
        {
            await next(context);
            return;
        }
        await EdgeResponses.WriteErrorAsync(context.Response, EngineError.Unauthorized());
    }
}
