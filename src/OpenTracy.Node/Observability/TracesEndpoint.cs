using System.Globalization;
using OpenTracy.Engine.Errors;
using OpenTracy.Node.Edge;

namespace OpenTracy.Node.Observability;

/// <summary><c>GET /v1/traces?limit=N</c>: the newest N trace records, newest first (default 50).</summary>
public sealed class TracesEndpoint(TraceStore store, TraceStoreSettings settings)
{
    public const int DefaultLimit = 50;

    public async Task HandleAsync(HttpContext context)
    {
        var limit = DefaultLimit;
        var raw = context.Request.Query["limit"].ToString();
        if (raw.Length > 0 && (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > settings.MaxQueryLimit))
        {
            await EdgeResponses.WriteErrorAsync(context.Response,
                EngineError.BadRequest($"limit must be an integer from 1 to {settings.MaxQueryLimit}", "limit"));
            return;
        }
        var records = await store.LatestAsync(limit, context.RequestAborted);
        await EdgeResponses.WriteJsonAsync(context.Response, StatusCodes.Status200OK, new TraceList("list", records, store.Dropped), TraceJson.Default.TraceList);
    }
}
