using OpenTracy.Ops.Protocol;

namespace OpenTracy.Cmd;

/// <summary>The interactive session: prompt <c>[host:port] pbm&gt;</c>, <c>help [palette]</c>, tab completion, <c>exit</c>.</summary>
public static class Repl
{
    private static readonly TimeSpan PaletteTimeout = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(OpsConnection connection, string endpoint)
    {
        IReadOnlyList<PaletteInfo> palettes;
        try
        {
            using var cts = new CancellationTokenSource(PaletteTimeout);
            palettes = await connection.PalettesAsync(cts.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"cannot download palettes from {endpoint}: {e.Message}");
            return Pbm.UsageError;
        }
        var prompt = $"[{endpoint}] pbm> ";
        var editor = new LineEditor(line => Completion.Candidates(palettes, line));
        var last = Pbm.Ok;
        while (true)
        {
            var line = Console.IsInputRedirected ? ReadRedirected(prompt) : editor.ReadLine(prompt);
            if (line is null) return last;
            var tokens = CommandParser.Tokenize(line);
            if (tokens.Count == 0) continue;
            switch (tokens[0])
            {
                case "exit" or "quit":
                    return last;
                case "help":
                    Help(palettes, tokens.Skip(1).ToList(), Console.Out);
                    continue;
            }
            last = await Pbm.RunOneAsync(connection, tokens, Console.Out, Console.Error);
        }
    }

    private static string? ReadRedirected(string prompt)
    {
        Console.Out.Write(prompt);
        var line = Console.In.ReadLine();
        Console.Out.WriteLine();
        return line;
    }

    public static void Help(IReadOnlyList<PaletteInfo> palettes, IReadOnlyList<string> about, TextWriter writer)
    {
        var selected = about.Count == 0
            ? palettes
            : palettes.Where(p => CommandParser.Names(p).Any(n => n.SequenceEqual(about.Take(n.Length), StringComparer.Ordinal))).ToList();
        if (selected.Count == 0) writer.WriteLine($"unknown palette '{string.Join(' ', about)}'");
        foreach (var palette in selected)
        {
            var aliases = palette.Aliases is { Count: > 0 } a ? $" (alias: {string.Join(", ", a)})" : "";
            writer.WriteLine($"{palette.Name}{aliases} - {palette.Description}");
            foreach (var command in palette.Commands)
            {
                var switches = string.Concat(command.Switches.Select(s => s.Required ? $" {s.Name} <value>" : $" [{s.Name} <value>]"));
                var args = command.Arguments is null ? "" : " " + command.Arguments;
                writer.WriteLine($"  {palette.Name} {command.Name}{switches}{args}");
                writer.WriteLine($"      {command.Description}");
                foreach (var s in command.Switches) writer.WriteLine($"      {s.Name}: {s.Description}");
            }
        }
        if (about.Count == 0) writer.WriteLine("Add --json to any command for JSON output. exit: leave.");
    }
}
