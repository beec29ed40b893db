using System.Text.Json;
using OpenTracy.Engine.Errors;
using OpenTracy.Node.Edge;
using OpenTracy.Wire;

namespace OpenTracy.Node.Observability;

/// <summary>
/// <c>POST /v1/feedback</c> with <c>{"request_id": "...", "correct": true|false}</c>: labels the trace record of
/// a request (the id the node returned in <c>X-Request-Id</c>), so the trainer can build routing weights from
/// the node's own traffic (<c>opentracy-train-router --traces</c>). 400 for a bad body, 404 for an unknown id,
/// 400 when the trace store is off.
/// </summary>
public sealed class FeedbackEndpoint(TraceStore? store)
{
    public const string Object = "feedback";
    public const string RequestIdField = "request_id";
    public const string CorrectField = "correct";
    public const string TracesDisabledMessage = "feedback needs the trace store (opentracy.observability.traces.enabled = on)";
    public const string NotFoundCode = "request_not_found";

    public async Task HandleAsync(HttpContext context)
    {
        if (store is null)
        {
            await EdgeResponses.WriteErrorAsync(context.Response, EngineError.BadRequest(TracesDisabledMessage));
            return;
        }
        var (requestId, correct, error) = await ReadAsync(context);
        if (error is not null)
        {
            await EdgeResponses.WriteErrorAsync(context.Response, error);
            return;
        }
        if (!await store.SetCorrectAsync(requestId!, correct, context.RequestAborted))
        {
            await EdgeResponses.WriteErrorAsync(context.Response, new EngineError(StatusCodes.Status404NotFound,
                ErrorResponse.Of($"no trace record for request id '{requestId}'", EngineError.NotFound, NotFoundCode, RequestIdField)));
            return;
        }
        await EdgeResponses.WriteJsonAsync(context.Response, StatusCodes.Status200OK, new FeedbackResponse(Object, requestId!, correct), TraceJson.Default.FeedbackResponse);
    }

    private static async Task<(string? RequestId, bool Correct, EngineError? Error)> ReadAsync(HttpContext context)
    {
        JsonDocument document;
        try
        {
            // Kestrel's max-request-body bounds the body.
            document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            return (null, false, EngineError.InvalidBody(ex.Message));
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, false, EngineError.InvalidBody("expected a JSON object"));
            if (!root.TryGetProperty(RequestIdField, out var id) || id.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(id.GetString()))
                return (null, false, EngineError.BadRequest($"{RequestIdField} is required (the X-Request-Id the node returned)", RequestIdField));
            if (!root.TryGetProperty(CorrectField, out var correct) || correct.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                return (null, false, EngineError.BadRequest($"{CorrectField} is required and must be true or false", CorrectField));
            return (id.GetString(), correct.GetBoolean(), null);
        }
    }
}
