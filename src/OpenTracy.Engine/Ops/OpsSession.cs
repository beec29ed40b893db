using Akka.Actor;
using OpenTracy.Ops.Protocol;

namespace OpenTracy.Engine.Ops;

/// <summary>
/// One ops connection: the parent of that connection's palette handlers (one per palette, created
/// on first use), so closing the connection stops them all (and whatever they subscribed to).
/// </summary>
public sealed class OpsSession : ReceiveActor
{
    private readonly IReadOnlyDictionary<string, IOpsPalette> _palettes;

    public OpsSession(IReadOnlyDictionary<string, IOpsPalette> palettes)
    {
        _palettes = palettes;
        Receive<OpsExecute>(execute =>
        {
            var name = execute.Command.Palette.Name;
            var child = Context.Child(name);
            if (child.IsNobody()) child = Context.ActorOf(_palettes[name].HandlerProps(Context.System), name);
            child.Forward(execute);
        });
    }

    public static Props Props(IReadOnlyDictionary<string, IOpsPalette> palettes) => Akka.Actor.Props.Create(() => new OpsSession(palettes));

    // A handler that throws outside a command is restarted (its per-connection state is cheap to rebuild).
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Restart);
}
