using Akka.Actor;
using OpenTracy.Ops.Protocol;

namespace OpenTracy.Engine.Ops.Palettes;

/// <summary>pbm's <c>log</c> palette, over the node's in-memory ring of recent log lines (<see cref="LogRing"/>).</summary>
public sealed class LogPalette : IOpsPalette
{
    public const string CountSwitch = "-c";
    public const int DefaultPeek = 25;

    public PaletteInfo Definition { get; } = new("log", "recent log lines of this node", [
        new CommandInfo("peek", $"the last -c lines (default {DefaultPeek})", [new SwitchInfo(CountSwitch, "how many lines")]),
        new CommandInfo("slurp", "every buffered line, then new lines as they come until Ctrl-C", []),
    ]);

    public Props HandlerProps(ActorSystem system) => Props.Create(() => new LogHandler());
}

internal sealed class LogHandler : OpsHandlerActor
{
    private IDisposable? _subscription;

    protected override void PostStop() => _subscription?.Dispose();

    protected override Task ExecuteAsync(ParsedCommand command, OpsOutput output)
    {
        var ring = LogRing.Get(Context.System);
        if (command.Command.Name == "peek")
        {
            var count = command.Switch(LogPalette.CountSwitch) is { } c ? int.Parse(c, System.Globalization.CultureInfo.InvariantCulture) : LogPalette.DefaultPeek;
            Write(output, ring.Last(count));
            output.End();
            return Task.CompletedTask;
        }
        _subscription?.Dispose();
        Write(output, ring.Last(ring.Capacity));
        var subscription = ring.Subscribe(line => Write(output, [line]));
        _subscription = subscription;
        output.Cancelled.Register(() =>
        {
            subscription.Dispose();
            output.End();
        });
        return Task.CompletedTask;
    }

    private static void Write(OpsOutput output, IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            if (output.Json) output.Message(line);
            else output.Line(line);
        }
    }
}
