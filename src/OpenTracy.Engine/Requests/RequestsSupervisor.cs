using Akka.Actor;
using Akka.Event;
using OpenTracy.Engine.Errors;

namespace OpenTracy.Engine.Requests;

/// <summary>
/// The per-node parent of all requests: creates one <see cref="CompletionActor"/> per
/// <see cref="ChatCompletionRequest"/> (named by its request id), stops one on
/// <see cref="CancelCompletion"/>, and counts the requests in flight.
/// A request actor that throws is stopped, never restarted: restarting would plan and call again
/// for a client that may already have its answer.
/// </summary>
public sealed class RequestsSupervisor : ReceiveActor
{
    public const string Name = "requests";

    private readonly EngineServices _services;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, InFlightRequest> _requests = new(StringComparer.Ordinal);
    private int _inFlight;

    public RequestsSupervisor(EngineServices services)
    {
        _services = services;

        Receive<ChatCompletionRequest>(Start);
        Receive<CancelCompletion>(cancel =>
        {
            var child = Context.Child(cancel.RequestId);
            if (child.IsNobody()) return;
            _log.Info("request {0}: cancelled by the client", cancel.RequestId);
            Context.Stop(child);
        });
        Receive<GetInFlight>(_ => Sender.Tell(new InFlightCount(_inFlight)));
        Receive<GetInFlightRequests>(_ => Sender.Tell(new InFlightRequests([.. _requests.Values.OrderBy(r => r.StartedAt)])));
        Receive<Terminated>(t =>
        {
            _inFlight--;
            _requests.Remove(t.ActorRef.Path.Name);
        });
    }

    public static Props Props(EngineServices services) => Akka.Actor.Props.Create(() => new RequestsSupervisor(services));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(ex =>
    {
        _log.Error(ex, "a request actor failed; stopping it");
        return Directive.Stop;
    }, loggingEnabled: false);

    private void Start(ChatCompletionRequest request)
    {
        if (!ActorPath.IsValidPathElement(request.RequestId))
        {
            Sender.Tell(new CompletionFailed(EngineError.BadRequest($"invalid request id '{request.RequestId}'"), null));
            return;
        }
        if (!Context.Child(request.RequestId).IsNobody())
        {
            Sender.Tell(new CompletionFailed(EngineError.BadRequest($"request id '{request.RequestId}' is already in flight"), null));
            return;
        }
        var actor = Context.ActorOf(CompletionActor.Props(request.RequestId, request.Body, Sender, _services, request.TraceParent), request.RequestId);
        Context.Watch(actor);
        _inFlight++;
        _requests[request.RequestId] = new InFlightRequest(request.RequestId, request.Body.Model ?? "", request.Body.Stream == true, DateTimeOffset.UtcNow);
    }
}
