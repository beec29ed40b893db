using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using OpenTracy.Engine.Configuration;
using OpenTracy.Engine.Errors;
using OpenTracy.Engine.Requests;
using OpenTracy.Node.Observability;
using OpenTracy.Node.Routing;
using OpenTracy.Routing.Scoring;
using OpenTracy.Wire;

namespace OpenTracy.Node.Edge;

/// <summary>
/// <c>POST /v1/chat/completions</c>: validates the body, hands the request to the node's
/// <see cref="RequestsSupervisor"/> (one CompletionActor per request) and writes its one reply as
/// JSON or SSE. The edge is not an actor, so it Asks (bounded by <c>opentracy.http.request-timeout</c>).
/// A client that disconnects cancels the request actor, which cancels the upstream call.
/// Every request, answered or not, ends in one <see cref="RequestObserver.Finish"/> (metrics, trace record, span, log).
/// </summary>
public sealed class ChatCompletionsEndpoint(
    IRequiredActor<RequestsSupervisor> requests,
    OpenTracySettings settings,
    IMaterializer materializer,
    RequestObserver observer,
    AutoModel auto,
    ILogger<ChatCompletionsEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        // Time-ordered (UUIDv7): the trace store indexes request ids, and ids that grow with time are appended at
        // the index's end instead of dirtying a random page of it per request.
        var requestId = Guid.CreateVersion7().ToString("N");
        context.Response.Headers[EdgeResponses.RequestIdHeader] = requestId;
        using var span = EdgeTelemetry.Source.StartActivity(EdgeTelemetry.RequestSpan, ActivityKind.Server);
        var observation = observer.Start(requestId);
        try
        {
            await HandleAsync(context, observation, span);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            observation.ClientGone = true;
        }
        finally
        {
            observer.Finish(observation, span);
        }
    }

    private async Task HandleAsync(HttpContext context, RequestObservation observation, Activity? span)
    {
        var (body, error) = await ChatRequestReader.ReadAsync(context, settings.Http.MaxRequestBodyBytes);
        if (error is not null)
        {
            observation.Error = error;
            await EdgeResponses.WriteErrorAsync(context.Response, error);
            return;
        }
        observation.RequestedModel = body!.Model;
        observation.Stream = body.Stream == true;
        observer.CapturePrompt(observation, body.Messages);

        var requestId = observation.RequestId;
        RoutingDecision? decision = null;
        if (AutoModel.IsAuto(body!.Model))
        {
            (body, decision, error) = await auto.ResolveAsync(body!, context.RequestAborted);
            if (error is not null)
            {
                observation.Error = error;
                await EdgeResponses.WriteErrorAsync(context.Response, error);
                return;
            }
        }

        var supervisor = await requests.GetAsync(context.RequestAborted);
        var aborted = context.RequestAborted;
        await using var cancelOnAbort = aborted.Register(() => supervisor.Tell(new CancelCompletion(requestId)));

        ICompletionReply reply;
        try
        {
            var message = new ChatCompletionRequest(requestId, body!) { TraceParent = span?.Id };
            reply = await supervisor.Ask<ICompletionReply>(message, settings.Http.RequestTimeout, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            observation.ClientGone = true;
            return;
        }
        catch (AskTimeoutException)
        {
            supervisor.Tell(new CancelCompletion(requestId));
            observation.Error = EngineError.Timeout(settings.Http.RequestTimeout);
            await EdgeResponses.WriteErrorAsync(context.Response, observation.Error);
            return;
        }

        switch (reply)
        {
            case CompletionAnswered answered:
                observation.Route = answered.Route;
                observation.Usage = answered.Response.Usage;
                observation.Cost = answered.Response.Cost;
                EdgeResponses.AddRouteHeaders(context.Response, answered.Route);
                AutoModel.AddHeaders(context.Response, decision);
                await EdgeResponses.WriteJsonAsync(context.Response, StatusCodes.Status200OK, answered.Response, EdgeJson.Wire.ModelResponse);
                break;
            case CompletionStreaming streaming:
                observation.Route = streaming.Route;
                EdgeResponses.AddRouteHeaders(context.Response, streaming.Route);
                AutoModel.AddHeaders(context.Response, decision);
                var result = await SseWriter.WriteAsync(context, streaming.Chunks, materializer, settings.Streaming.Buffer, logger);
                observation.FirstChunkTimestamp = result.FirstChunkTimestamp;
                observation.Error = result.Error;
                observation.ClientGone = result.ClientGone;
                observation.Usage = streaming.Totals?.Usage;
                observation.Cost = streaming.Totals?.Cost;
                break;
            case CompletionFailed failed:
                observation.Route = failed.Route;
                observation.Error = failed.Error;
                EdgeResponses.AddRouteHeaders(context.Response, failed.Route);
                AutoModel.AddHeaders(context.Response, decision);
                await EdgeResponses.WriteErrorAsync(context.Response, failed.Error);
                break;
        }
    }
}
