using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Hosting;
using Akka.Streams;
using OpenTracy.Engine.Contracts;
using OpenTracy.Engine.Requests;

namespace OpenTracy.Engine.Remote;

/// <summary>
/// The remote clients' entry point on every node (<c>/user/opentracy-remote</c>, registered with the
/// ClusterClientReceptionist). Each <see cref="RemoteComplete"/> gets a <see cref="RemoteRequestActor"/>
/// that drives the same <see cref="RequestsSupervisor"/> → CompletionActor path as the HTTP edge;
/// <see cref="RemoteCancel"/> stops the request (and so its upstream call).
/// </summary>
public sealed class RemoteGateway : ReceiveActor
{
    public const string Name = "opentracy-remote";
    public const string Path = "/user/" + Name;

    public RemoteGateway(IActorRef requests, IMaterializer materializer)
    {
        var node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
        Receive<RemoteComplete>(request =>
        {
            if (!ActorPath.IsValidPathElement(request.RequestId) || !Context.Child(request.RequestId).IsNobody())
            {
                Sender.Tell(new RemoteFailed(400, Wire.ErrorResponse.Of($"invalid or duplicate request id '{request.RequestId}'", "invalid_request_error"), null));
                return;
            }
            Context.ActorOf(RemoteRequestActor.Props(request, Sender, requests, materializer, node), request.RequestId);
        });
        Receive<RemoteCancel>(cancel =>
        {
            requests.Tell(new CancelCompletion(cancel.RequestId));
            var child = Context.Child(cancel.RequestId);
            if (!child.IsNobody()) Context.Stop(child);
        });
    }

    public static Props Props(IActorRef requests, IMaterializer materializer) => Akka.Actor.Props.Create(() => new RemoteGateway(requests, materializer));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);
}

/// <summary>Akka.Hosting registration of the remote gateway.</summary>
public static class RemoteGatewayExtensions
{
    /// <summary>Starts <see cref="RemoteGateway"/> (after <c>WithOpenTracyEngine</c>) and registers it with the ClusterClientReceptionist.</summary>
    public static AkkaConfigurationBuilder WithOpenTracyRemoteGateway(this AkkaConfigurationBuilder builder)
        => builder.WithActors((system, registry) =>
        {
            var gateway = system.ActorOf(RemoteGateway.Props(registry.Get<RequestsSupervisor>(), system.Materializer(namePrefix: "remote")), RemoteGateway.Name);
            ClusterClientReceptionist.Get(system).RegisterService(gateway);
            registry.Register<RemoteGateway>(gateway);
        });
}
