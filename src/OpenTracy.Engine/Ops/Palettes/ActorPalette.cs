using Akka.Actor;
using OpenTracy.Ops.Protocol;

namespace OpenTracy.Engine.Ops.Palettes;

/// <summary>pbm's <c>actor</c> palette: the local actor hierarchy and the actor system.</summary>
public sealed class ActorPalette : IOpsPalette
{
    public const string DepthSwitch = "-d";
    public const string PathSwitch = "-s";

    public PaletteInfo Definition { get; } = new("actor", "actors of this node", [
        new CommandInfo("hierarchy", "prints the actor tree below -s (default /user and /system), -d levels deep", [
            new SwitchInfo(DepthSwitch, "how many levels to print (default: all)"),
            new SwitchInfo(PathSwitch, "path to start from, e.g. /user/requests"),
        ]),
        new CommandInfo("system", "name, address, uptime and Akka version of this actor system", []),
    ]);

    public Props HandlerProps(ActorSystem system) => Props.Create(() => new ActorHandler());
}

internal sealed class ActorHandler : OpsHandlerActor
{
    protected override Task ExecuteAsync(ParsedCommand command, OpsOutput output)
    {
        var system = (ExtendedActorSystem)Context.System;
        if (command.Command.Name == "system")
        {
            var uptime = TimeSpan.FromSeconds(system.Uptime.TotalSeconds);
            output.Table(["key", "value"], [
                ["name", system.Name],
                ["address", system.Provider.DefaultAddress.ToString()],
                ["start-time", DateTimeOffset.FromUnixTimeMilliseconds(system.StartTime.Ticks == 0 ? 0 : (long)system.StartTime.TotalMilliseconds).ToString("O")],
                ["uptime", uptime.ToString(@"d\.hh\:mm\:ss")],
                ["akka-version", typeof(ActorSystem).Assembly.GetName().Version?.ToString() ?? "unknown"],
                ["provider", system.Provider.GetType().Name],
            ]);
            output.End();
            return Task.CompletedTask;
        }
        var depth = command.Switch(ActorPalette.DepthSwitch) is { } d ? int.Parse(d, System.Globalization.CultureInfo.InvariantCulture) : int.MaxValue;
        if (depth < 0) throw new ArgumentException("-d must be ≥ 0");
        var roots = command.Switch(ActorPalette.PathSwitch) is { } path
            ? [Resolve(system, path)]
            : new[] { system.Provider.Guardian, system.Provider.SystemGuardian }.Cast<IActorRef>().ToList();
        var paths = new List<string>();
        foreach (var root in roots) Walk(root, depth, paths);
        output.Table(["path"], paths.Select(p => (IReadOnlyList<string>)[p]), output.Json ? null : $"Count: {paths.Count} actors");
        output.End();
        return Task.CompletedTask;
    }

    private static IActorRef Resolve(ExtendedActorSystem system, string path)
    {
        var normalized = path.StartsWith('/') ? path : "/" + path;
        IActorRef current = system.Provider.RootGuardian;
        foreach (var element in normalized.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = current is ActorRefWithCell cell ? cell.GetSingleChild(element) : ActorRefs.Nobody;
            if (next.IsNobody()) throw new ArgumentException($"no actor at {normalized}");
            current = next;
        }
        return current;
    }

    private static void Walk(IActorRef actor, int depth, List<string> into)
    {
        into.Add(actor.Path.ToStringWithoutAddress());
        if (depth == 0 || actor is not ActorRefWithCell cell) return;
        foreach (var child in cell.Children.OrderBy(c => c.Path.Name, StringComparer.Ordinal)) Walk(child, depth - 1, into);
    }
}
