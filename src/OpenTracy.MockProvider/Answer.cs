using System.Text;
using System.Text.Json;

namespace OpenTracy.MockProvider;

internal static class TextTools
{
    public static int CountWords(ReadOnlySpan<char> text)
    {
        var count = 0;
        var inWord = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                inWord = false;
            }
            else if (!inWord)
            {
                inWord = true;
                count++;
            }
        }
        return count;
    }

    /// <summary>Splits into words, each carrying the whitespace that follows it (so the pieces concatenate to the input).</summary>
    public static List<string> WordPieces(string text)
    {
        var pieces = new List<string>();
        var i = 0;
        // Leading whitespace (rare) sticks to the first word.
        var start = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            if (i > start)
            {
                pieces.Add(text.Substring(start, i - start));
            }
            start = i;
        }
        return pieces;
    }

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string RandomId(string prefix, int length = 24)
    {
        return string.Create(prefix.Length + length, prefix, static (span, p) =>
        {
            p.AsSpan().CopyTo(span);
            var rnd = Random.Shared;
            for (var i = p.Length; i < span.Length; i++)
            {
                span[i] = Alphabet[rnd.Next(Alphabet.Length)];
            }
        });
    }

    public static bool IsValidJson(string text)
    {
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text));
            while (reader.Read())
            {
            }
            return reader.BytesConsumed > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static bool IsJsonObject(string text) => text.AsSpan().TrimStart().StartsWith("{") && IsValidJson(text);
}

/// <summary>What the mock answers: either text or one tool call, with honest word-count usage.</summary>
internal sealed class Answer
{
    public required string Model;
    public string Text = "";
    public string? ToolName;
    public string ToolArgs = "{}";
    public bool ToolArgsIsObject = true;
    public string ToolCallId = "";
    public int PromptTokens;
    public int CompletionTokens;

    /// <summary>Stopwatch timestamp of the request's arrival (for Bedrock's metrics.latencyMs).</summary>
    public long StartedAt = System.Diagnostics.Stopwatch.GetTimestamp();

    public long LatencyMs => Math.Max(1, (long)System.Diagnostics.Stopwatch.GetElapsedTime(StartedAt).TotalMilliseconds);

    /// <summary>Stream pieces: text chunks, or the tool-argument pieces.</summary>
    public List<string> Pieces = [];

    public bool IsTool => ToolName is not null;

    public int TotalTokens => PromptTokens + CompletionTokens;

    public static Answer Build(ChatRequest request, Directive d, string model, bool stream, string toolIdPrefix)
    {
        var a = new Answer { Model = model, PromptTokens = request.PromptWords };
        if (d.Tool is not null && !request.EndsWithToolResult)
        {
            a.ToolName = d.Tool;
            a.ToolArgs = d.Args ?? "{}";
            a.ToolArgsIsObject = TextTools.IsJsonObject(a.ToolArgs);
            a.ToolCallId = TextTools.RandomId(toolIdPrefix);
            a.CompletionTokens = Math.Max(1, TextTools.CountWords(a.ToolName) + TextTools.CountWords(a.ToolArgs));
            if (stream)
            {
                a.Pieces = SplitArgs(a.ToolArgs);
            }
            return a;
        }

        var text = "echo: " + d.CleanText;
        if (stream)
        {
            var pieces = TextTools.WordPieces(text);
            if (d.Chunks > 0 && d.Chunks > pieces.Count)
            {
                var sb = new StringBuilder(text);
                for (var i = 1; pieces.Count + i - 1 < d.Chunks; i++)
                {
                    if (sb.Length > 0 && !char.IsWhiteSpace(sb[^1]))
                    {
                        sb.Append(' ');
                    }
                    sb.Append("tok").Append(i);
                }
                text = sb.ToString();
                pieces = TextTools.WordPieces(text);
            }
            else if (d.Chunks > 0 && d.Chunks < pieces.Count)
            {
                pieces = Group(pieces, d.Chunks);
            }
            a.Pieces = pieces;
        }
        a.Text = text;
        a.CompletionTokens = TextTools.CountWords(text);
        return a;
    }

    /// <summary>Groups consecutive pieces into exactly <paramref name="groups"/> pieces, sizes as even as possible.</summary>
    private static List<string> Group(List<string> pieces, int groups)
    {
        var result = new List<string>(groups);
        var baseSize = pieces.Count / groups;
        var extra = pieces.Count % groups;
        var index = 0;
        for (var g = 0; g < groups; g++)
        {
            var size = baseSize + (g < extra ? 1 : 0);
            result.Add(string.Concat(pieces.GetRange(index, size)));
            index += size;
        }
        return result;
    }

    /// <summary>Splits a tool-argument string into 2-3 pieces (fewer only when it is shorter than that).</summary>
    private static List<string> SplitArgs(string args)
    {
        if (args.Length <= 1)
        {
            return [args];
        }
        if (args.Length == 2)
        {
            return [args[..1], args[1..]];
        }
        var third = args.Length / 3;
        var twoThirds = 2 * args.Length / 3;
        // Avoid splitting a surrogate pair.
        if (char.IsLowSurrogate(args[third]))
        {
            third++;
        }
        if (char.IsLowSurrogate(args[twoThirds]))
        {
            twoThirds++;
        }
        if (third <= 0 || twoThirds <= third || twoThirds >= args.Length)
        {
            return [args];
        }
        return [args[..third], args[third..twoThirds], args[twoThirds..]];
    }
}
