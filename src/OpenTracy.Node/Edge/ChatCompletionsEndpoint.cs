using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using OpenTracy.Engine.Configuration;
using OpenTracy.Engine.Errors;
using OpenTracy.Engine.Requests;
using OpenTracy.Node.Routing;
using OpenTracy.Routing.Scoring;
using OpenTracy.Wire;

namespace OpenTracy.Node.Edge;

/// <summary>
/// <c>POST /v1/chat/completions</c>: validates the body, hands the request to the node's
/// <see cref="RequestsSupervisor"/> (one CompletionActor per request) and writes its one reply as
/// JSON or SSE. The edge is not an actor, so it Asks (bounded by <c>opentracy.http.request-timeout</c>).
/// A client that disconnects cancels the request actor, which cancels the upstream call.
/// </summary>
public sealed class ChatCompletionsEndpoint(
    IRequiredActor<RequestsSupervisor> requests,
    OpenTracySettings settings,
    IMaterializer materializer,
    AutoModel auto,
    ILogger<ChatCompletionsEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        var (body, error) = await ChatRequestReader.ReadAsync(context, settings.Http.MaxRequestBodyBytes);
        if (error is not null)
        {
            await EdgeResponses.WriteErrorAsync(context.Response, error);
            return;
        }

        RoutingDecision? decision = null;
        if (AutoModel.IsAuto(body!.Model))
        {
            (body, decision, error) = await auto.ResolveAsync(body!, context.RequestAborted);
            if (error is not null)
            {
                await EdgeResponses.WriteErrorAsync(context.Response, error);
                return;
            }
        }

        var supervisor = await requests.GetAsync(context.RequestAborted);
        var requestId = Guid.NewGuid().ToString("N");
        context.Response.Headers[EdgeResponses.RequestIdHeader] = requestId;
        var aborted = context.RequestAborted;
        await using var cancelOnAbort = aborted.Register(() => supervisor.Tell(new CancelCompletion(requestId)));

        ICompletionReply reply;
        try
        {
            reply = await supervisor.Ask<ICompletionReply>(new ChatCompletionRequest(requestId, body!), settings.Http.RequestTimeout, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return;
        }
        catch (AskTimeoutException)
        {
            supervisor.Tell(new CancelCompletion(requestId));
            await EdgeResponses.WriteErrorAsync(context.Response, EngineError.Timeout(settings.Http.RequestTimeout));
            return;
        }

        switch (reply)
        {
            case CompletionAnswered answered:
                EdgeResponses.AddRouteHeaders(context.Response, answered.Route);
                AutoModel.AddHeaders(context.Response, decision);
                await EdgeResponses.WriteJsonAsync(context.Response, StatusCodes.Status200OK, answered.Response, EdgeJson.Wire.ModelResponse);
                break;
            case CompletionStreaming streaming:
                EdgeResponses.AddRouteHeaders(context.Response, streaming.Route);
                AutoModel.AddHeaders(context.Response, decision);
                await SseWriter.WriteAsync(context, streaming.Chunks, materializer, settings.Streaming.Buffer, logger);
                break;
            case CompletionFailed failed:
                EdgeResponses.AddRouteHeaders(context.Response, failed.Route);
                AutoModel.AddHeaders(context.Response, decision);
                await EdgeResponses.WriteErrorAsync(context.Response, failed.Error);
                break;
        }
    }
}
