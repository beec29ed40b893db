using System.Text;

namespace OpenTracy.Cmd;

/// <summary>A small line editor for the terminal: typing, backspace, left/right, history (up/down) and Tab completion.</summary>
public sealed class LineEditor(Func<string, IReadOnlyList<string>> complete)
{
    private readonly List<string> _history = [];

    /// <summary>One line, or null at end of input (Ctrl-D on an empty line).</summary>
    public string? ReadLine(string prompt)
    {
        Console.Write(prompt);
        var buffer = new StringBuilder();
        var cursor = 0;
        var historyIndex = _history.Count;
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
                    var line = buffer.ToString();
                    if (line.Trim().Length > 0) _history.Add(line);
                    return line;
                case ConsoleKey.Backspace when cursor > 0:
                    buffer.Remove(--cursor, 1);
                    break;
                case ConsoleKey.Delete when cursor < buffer.Length:
                    buffer.Remove(cursor, 1);
                    break;
                case ConsoleKey.LeftArrow when cursor > 0:
                    cursor--;
                    break;
                case ConsoleKey.RightArrow when cursor < buffer.Length:
                    cursor++;
                    break;
                case ConsoleKey.UpArrow when historyIndex > 0:
                    buffer.Clear().Append(_history[--historyIndex]);
                    cursor = buffer.Length;
                    break;
                case ConsoleKey.DownArrow when historyIndex < _history.Count:
                    historyIndex++;
                    buffer.Clear().Append(historyIndex < _history.Count ? _history[historyIndex] : "");
                    cursor = buffer.Length;
                    break;
                case ConsoleKey.Tab:
                    Complete(prompt, buffer, ref cursor);
                    break;
                case ConsoleKey.D when key.Modifiers.HasFlag(ConsoleModifiers.Control) && buffer.Length == 0:
                    Console.WriteLine();
                    return null;
                default:
                    if (!char.IsControl(key.KeyChar)) buffer.Insert(cursor++, key.KeyChar);
                    break;
            }
            Redraw(prompt, buffer, cursor);
        }
    }

    private void Complete(string prompt, StringBuilder buffer, ref int cursor)
    {
        var before = buffer.ToString(0, cursor);
        var candidates = complete(before);
        if (candidates.Count == 0) return;
        var start = before.Length;
        while (start > 0 && !char.IsWhiteSpace(before[start - 1])) start--;
        var partial = before[start..];
        var insert = candidates.Count == 1 ? candidates[0] + " " : Completion.CommonPrefix(candidates);
        if (insert.Length > partial.Length)
        {
            buffer.Remove(start, partial.Length).Insert(start, insert);
            cursor = start + insert.Length;
        }
        else if (candidates.Count > 1)
        {
            Console.WriteLine();
            Console.WriteLine(string.Join("  ", candidates));
            Console.Write(prompt);
        }
    }

    private static void Redraw(string prompt, StringBuilder buffer, int cursor)
    {
        Console.Write('\r' + prompt + buffer + " \b");
        Console.Write("\r" + prompt + buffer.ToString(0, cursor));
    }
}
