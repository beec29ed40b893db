using Akka.Actor;
using OpenTracy.Ops.Protocol;

namespace OpenTracy.Engine.Ops;

/// <summary>
/// A palette, as in Petabridge.Cmd: command definitions plus a handler actor created per
/// connection. Register palettes with <see cref="OpsHostingExtensions.AddOpsPalette{T}"/>; the ops
/// host discovers every registered <see cref="IOpsPalette"/>.
/// </summary>
public interface IOpsPalette
{
    PaletteInfo Definition { get; }

    /// <summary>Props of the handler that runs this palette's commands for one connection.</summary>
    Props HandlerProps(ActorSystem system);
}

/// <summary>Session → palette handler: run one parsed command and write to <paramref name="Output"/> (which must end).</summary>
public sealed record OpsExecute(ParsedCommand Command, OpsOutput Output);

/// <summary>
/// Base of palette handlers: one command at a time (the client waits for the end marker). A command
/// that throws ends with its message as an error. Streamed commands return without ending and end
/// later (from messages they receive), at the latest when <see cref="OpsOutput.Cancelled"/> fires.
/// </summary>
public abstract class OpsHandlerActor : ReceiveActor
{
    protected OpsHandlerActor()
    {
        ReceiveAsync<OpsExecute>(async execute =>
        {
            try
            {
                await ExecuteAsync(execute.Command, execute.Output);
            }
            catch (Exception error)
            {
                execute.Output.Fail(error.GetBaseException().Message);
            }
        });
    }

    /// <summary>Runs one command. Call <see cref="OpsOutput.End"/> when done (not needed after an exception).</summary>
    protected abstract Task ExecuteAsync(ParsedCommand command, OpsOutput output);
}
