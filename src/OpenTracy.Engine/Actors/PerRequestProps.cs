using Akka.Actor;

namespace OpenTracy.Engine.Actors;

/// <summary>
/// Props for the actors created once per request (and again on every supervised restart). The usual
/// <c>Props.Create(() =&gt; new T(args))</c> builds an expression tree at every call and instantiates the
/// actor by reflection; on the request path that is a few kilobytes and microseconds per actor for
/// nothing. Here the factory is a plain delegate: typed, allocation-light, and it yields a fresh instance
/// on each call, as <see cref="IIndirectActorProducer"/> requires. Local actors only: such Props cannot
/// be deployed remotely (these actors never are).
/// </summary>
public static class PerRequestProps
{
    public static Props Create<TActor>(Func<TActor> factory) where TActor : ActorBase
        => Props.CreateBy(new DelegateProducer<TActor>(factory));

    private sealed class DelegateProducer<TActor>(Func<TActor> factory) : IIndirectActorProducer where TActor : ActorBase
    {
        public Type ActorType => typeof(TActor);

        public ActorBase Produce() => factory();

        public void Release(ActorBase actor)
        {
            // Nothing to release: the actor owns no container-managed resources.
        }
    }
}
