using OpenTracy.Ops.Protocol;

namespace OpenTracy.Cmd;

/// <summary>Tab completion over the downloaded palettes: palette names (and aliases), then command words, then switches.</summary>
public static class Completion
{
    public static readonly IReadOnlyList<string> ReplCommands = ["help", "exit", "quit"];

    /// <summary>Candidates for the last (partial) word of <paramref name="line"/>.</summary>
    public static IReadOnlyList<string> Candidates(IReadOnlyList<PaletteInfo> palettes, string line)
    {
        var words = CommandParser.Tokenize(line).ToList();
        var partial = line.Length == 0 || char.IsWhiteSpace(line[^1]) ? "" : words[^1];
        if (partial.Length > 0) words.RemoveAt(words.Count - 1);
        var result = new SortedSet<string>(StringComparer.Ordinal);
        if (words.Count == 0)
            foreach (var c in ReplCommands) result.Add(c);
        foreach (var palette in palettes)
        {
            foreach (var name in CommandParser.Names(palette))
            {
                foreach (var command in palette.Commands)
                {
                    var phrase = name.Concat(command.Name.Split(' ')).ToArray();
                    if (words.Count < phrase.Length)
                    {
                        if (phrase.Take(words.Count).SequenceEqual(words, StringComparer.Ordinal)) result.Add(phrase[words.Count]);
                    }
                    else if (phrase.SequenceEqual(words.Take(phrase.Length), StringComparer.Ordinal))
                    {
                        foreach (var s in command.Switches) result.Add(s.Name);
                        result.Add(CommandParser.JsonSwitch);
                    }
                }
            }
        }
        if (words.Count == 1 && words[0] == "help")
            foreach (var p in palettes) result.Add(p.Name);
        return [.. result.Where(c => c.StartsWith(partial, StringComparison.Ordinal))];
    }

    /// <summary>The longest common prefix of the candidates.</summary>
    public static string CommonPrefix(IReadOnlyList<string> candidates)
    {
        if (candidates.Count == 0) return "";
        var prefix = candidates[0];
        foreach (var c in candidates.Skip(1))
        {
            var n = 0;
            while (n < prefix.Length && n < c.Length && prefix[n] == c[n]) n++;
            prefix = prefix[..n];
        }
        return prefix;
    }
}
