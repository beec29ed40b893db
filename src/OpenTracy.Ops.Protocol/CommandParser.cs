namespace OpenTracy.Ops.Protocol;

/// <summary>One parsed command line: the palette and command it names, its switches and positional arguments.</summary>
public sealed record ParsedCommand(
    PaletteInfo Palette,
    CommandInfo Command,
    IReadOnlyDictionary<string, string?> Switches,
    IReadOnlyList<string> Arguments,
    bool Json)
{
    /// <summary>The value of switch <paramref name="name"/> (its canonical name, e.g. <c>-a</c>), or null.</summary>
    public string? Switch(string name) => Switches.TryGetValue(name, out var v) ? v : null;

    public bool Has(string name) => Switches.ContainsKey(name);

    /// <summary>The switch's value, else the first positional argument (<c>cluster leave ADDRESS</c> = <c>cluster leave -a ADDRESS</c>).</summary>
    public string? SwitchOrArgument(string name) => Switch(name) ?? Arguments.FirstOrDefault();
}

/// <summary>
/// Resolves a tokenized command line against palette definitions, as pbm does: the longest
/// palette name or alias that prefixes the tokens, then the longest command name, then single-dash
/// switches (<c>-c 10</c>) and positional arguments. <c>--json</c> anywhere asks for JSON output.
/// </summary>
public static class CommandParser
{
    public const string JsonSwitch = "--json";

    public static bool TryParse(IReadOnlyList<PaletteInfo> palettes, IReadOnlyList<string> tokens, out ParsedCommand? command, out string? error)
    {
        command = null;
        var json = tokens.Contains(JsonSwitch, StringComparer.Ordinal);
        var words = tokens.Where(t => t != JsonSwitch).ToList();
        var (palette, used) = MatchPalette(palettes, words);
        if (palette is null)
        {
            error = words.Count == 0
                ? "no command given"
                : $"unknown palette '{words[0]}'. Palettes: {string.Join(", ", palettes.Select(p => p.Name))}";
            return false;
        }
        var rest = words.Skip(used).ToList();
        var match = palette.Commands
            .Select(c => (Command: c, Words: c.Name.Split(' ')))
            .Where(c => c.Words.Length <= rest.Count && c.Words.SequenceEqual(rest.Take(c.Words.Length), StringComparer.Ordinal))
            .OrderByDescending(c => c.Words.Length)
            .FirstOrDefault();
        if (match.Command is null)
        {
            error = rest.Count == 0
                ? $"'{palette.Name}' needs a command: {string.Join(", ", palette.Commands.Select(c => c.Name))}"
                : $"unknown command '{palette.Name} {rest[0]}'. Commands: {string.Join(", ", palette.Commands.Select(c => c.Name))}";
            return false;
        }
        var switches = new Dictionary<string, string?>(StringComparer.Ordinal);
        var arguments = new List<string>();
        var args = rest.Skip(match.Words.Length).ToList();
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            if (token.Length > 1 && token[0] == '-' && !char.IsDigit(token[1]))
            {
                var definition = FindSwitch(match.Command, token);
                if (definition is null)
                {
                    error = $"unknown switch '{token}' for '{palette.Name} {match.Command.Name}'";
                    return false;
                }
                if (definition.Flag)
                {
                    switches[definition.Name] = null;
                    continue;
                }
                if (i + 1 >= args.Count)
                {
                    error = $"switch '{definition.Name}' needs a value";
                    return false;
                }
                switches[definition.Name] = args[++i];
            }
            else
            {
                arguments.Add(token);
            }
        }
        var missing = match.Command.Switches.FirstOrDefault(s => s.Required && !switches.ContainsKey(s.Name) && arguments.Count == 0);
        if (missing is not null)
        {
            error = $"'{palette.Name} {match.Command.Name}' needs {missing.Name} ({missing.Description})";
            return false;
        }
        command = new ParsedCommand(palette, match.Command, switches, arguments, json);
        error = null;
        return true;
    }

    /// <summary>Splits a line into tokens; double quotes group words.</summary>
    public static IReadOnlyList<string> Tokenize(string line)
    {
        var tokens = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any) tokens.Add(current.ToString());
                current.Clear();
                any = false;
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }
        if (any) tokens.Add(current.ToString());
        return tokens;
    }

    /// <summary>All names a palette answers to (its name and aliases), each as words.</summary>
    public static IEnumerable<string[]> Names(PaletteInfo palette)
        => new[] { palette.Name }.Concat(palette.Aliases ?? []).Select(n => n.Split(' '));

    private static (PaletteInfo? Palette, int Used) MatchPalette(IReadOnlyList<PaletteInfo> palettes, List<string> words)
    {
        PaletteInfo? best = null;
        var used = 0;
        foreach (var palette in palettes)
        {
            foreach (var name in Names(palette))
            {
                if (name.Length > words.Count || name.Length <= used) continue;
                if (name.SequenceEqual(words.Take(name.Length), StringComparer.Ordinal))
                {
                    best = palette;
                    used = name.Length;
                }
            }
        }
        return (best, used);
    }

    private static SwitchInfo? FindSwitch(CommandInfo command, string token)
        => command.Switches.FirstOrDefault(s => s.Name == token || (s.Aliases?.Contains(token) ?? false));
}
