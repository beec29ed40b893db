using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Util;
using OpenTracy.Engine.Actors;
using OpenTracy.Engine.Contracts;
using OpenTracy.Engine.Errors;
using OpenTracy.Engine.Requests;

namespace OpenTracy.Engine.Remote;

/// <summary>
/// One remote request: asks the node's <see cref="RequestsSupervisor"/> exactly as the HTTP edge
/// does and translates the reply for the wire. A stream is offered as a StreamRef (the remote
/// reader's demand reaches the upstream read); a failure after the first chunk becomes a final
/// error element. Stopping this actor before the reply (cancel) leaves nothing behind.
/// </summary>
public sealed class RemoteRequestActor : ReceiveActor
{
    private sealed record RefReady(ISourceRef<RemoteStreamElement> Ref, RemoteRoute Route);

    private readonly RemoteComplete _request;
    private readonly IActorRef _requests;

    public RemoteRequestActor(RemoteComplete request, IActorRef replyTo, IActorRef requests, IMaterializer materializer, string node)
    {
        _request = request;
        _requests = requests;
        RemoteRoute? Route(RouteInfo? r) => r is null ? null : new RemoteRoute(r.SelectedModel, r.Provider, r.Attempts, node);

        Receive<CompletionAnswered>(a => Finish(replyTo, new RemoteAnswered(a.Response, Route(a.Route)!)));
        Receive<CompletionFailed>(f => Finish(replyTo, new RemoteFailed(f.Error.Status, f.Error.Body, Route(f.Route))));
        Receive<CompletionStreaming>(s =>
        {
            var route = Route(s.Route)!;
            s.Chunks
                .Select(RemoteStreamElement.Of)
                .Recover(error =>
                {
                    var e = EngineError.FromException(error);
                    return Option<RemoteStreamElement>.Create(RemoteStreamElement.Failure(e.Status, e.Body));
                })
                .RunWith(StreamRefs.SourceRef<RemoteStreamElement>(), materializer)
                .PipeTo(Self, success: r => new RefReady(r, route));
        });
        Receive<RefReady>(r => Finish(replyTo, new RemoteStreaming(r.Ref, r.Route)));
        Receive<Status.Failure>(f => Finish(replyTo, new RemoteFailed(500, EngineError.Internal(f.Cause.Message).Body, null)));
    }

    public static Props Props(RemoteComplete request, IActorRef replyTo, IActorRef requests, IMaterializer materializer, string node)
        => PerRequestProps.Create(() => new RemoteRequestActor(request, replyTo, requests, materializer, node));

    protected override void PreStart() => _requests.Tell(new ChatCompletionRequest(_request.RequestId, _request.Body), Self);

    private void Finish(IActorRef replyTo, IOpenTracyWireMessage reply)
    {
        replyTo.Tell(reply);
        Context.Stop(Self);
    }
}
