using Akka.Actor;
using Akka.Cluster;
using OpenTracy.Ops.Protocol;

namespace OpenTracy.Engine.Ops.Palettes;

/// <summary>
/// pbm's <c>remote</c> palette. Akka.Remote exposes no public list of associations, so
/// <c>remote connections</c> lists the peers this node is connected to as a cluster member, with
/// whether this node's failure detector currently reaches them.
/// </summary>
public sealed class RemotePalette : IOpsPalette
{
    public PaletteInfo Definition { get; } = new("remote", "Akka.Remote connections", [
        new CommandInfo("connections", "peers of this node: address | status | reachability", []),
    ]);

    public Props HandlerProps(ActorSystem system) => Props.Create(() => new RemoteHandler());
}

internal sealed class RemoteHandler : OpsHandlerActor
{
    protected override Task ExecuteAsync(ParsedCommand command, OpsOutput output)
    {
        var cluster = Cluster.Get(Context.System);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var rows = state.Members.Where(m => !m.Address.Equals(cluster.SelfAddress))
            .Select(m => (IReadOnlyList<string>)[m.Address.ToString(), m.Status.ToString(), unreachable.Contains(m.Address) ? "Unreachable" : "Reachable"])
            .ToList();
        output.Table(["address", "status", "reachability"], rows, $"Count: {rows.Count} connections");
        output.End();
        return Task.CompletedTask;
    }
}
