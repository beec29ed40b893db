using System.Globalization;
using System.Text;

namespace OpenTracy.MockProvider;

/// <summary>
/// Behaviour chosen by <c>[mock key=value ...]</c> in the last user message.
/// Parsing never throws: unknown keys and unparsable values are ignored.
/// </summary>
internal sealed class Directive
{
    public string? Id;
    public int Status;               // 0 = none; only 400..599 are honoured
    public int FailTimes = -1;       // -1 = every request fails
    public string? RetryAfter;
    public int DelayMs;
    public int Chunks;               // 0 = one chunk per word
    public int ChunkDelayMs;
    public int DropAfter = -1;       // -1 = off
    public int ErrorAfter = -1;      // -1 = off (extra: provider-native error event mid-stream)
    public string? Tool;
    public string? Args;
    public bool Garbage;
    public string? ContentType;
    public bool Hang;

    /// <summary>The message text with every directive removed, trimmed.</summary>
    public string CleanText = "";

    public bool NeedsTimers => DelayMs > 0 || ChunkDelayMs > 0 || Hang;

    public bool FailsWithStatus => Status is >= 400 and <= 599;

    public static Directive Parse(string? text)
    {
        var d = new Directive();
        if (string.IsNullOrEmpty(text))
        {
            return d;
        }
        var start = FindStart(text, 0);
        if (start < 0)
        {
            d.CleanText = text.Trim();
            return d;
        }

        var clean = new StringBuilder(text.Length);
        var copyFrom = 0;
        while (start >= 0)
        {
            var end = ParseBody(text, start + 5, d);
            var before = start > copyFrom ? text.AsSpan(copyFrom, start - copyFrom) : ReadOnlySpan<char>.Empty;
            clean.Append(before);
            // Avoid a double blank where the directive sat between two words.
            if (clean.Length > 0 && char.IsWhiteSpace(clean[^1]) && end < text.Length && char.IsWhiteSpace(text[end]))
            {
                clean.Length--;
            }
            copyFrom = end;
            start = end < text.Length ? FindStart(text, end) : -1;
        }
        if (copyFrom < text.Length)
        {
            clean.Append(text.AsSpan(copyFrom));
        }
        d.CleanText = clean.ToString().Trim();
        return d;
    }

    private static int FindStart(string text, int from)
    {
        while (from < text.Length)
        {
            var i = text.IndexOf("[mock", from, StringComparison.OrdinalIgnoreCase);
            if (i < 0)
            {
                return -1;
            }
            var after = i + 5;
            if (after >= text.Length || char.IsWhiteSpace(text[after]) || text[after] == ']')
            {
                return i;
            }
            from = after;
        }
        return -1;
    }

    /// <summary>Parses key=value pairs starting at <paramref name="pos"/>; returns the index just past the directive.</summary>
    private static int ParseBody(string text, int pos, Directive d)
    {
        var len = text.Length;
        while (true)
        {
            while (pos < len && char.IsWhiteSpace(text[pos]))
            {
                pos++;
            }
            if (pos >= len)
            {
                return len;
            }
            if (text[pos] == ']')
            {
                return pos + 1;
            }
            var keyStart = pos;
            while (pos < len && !char.IsWhiteSpace(text[pos]) && text[pos] != '=' && text[pos] != ']')
            {
                pos++;
            }
            var key = text.Substring(keyStart, pos - keyStart);
            string value;
            if (pos < len && text[pos] == '=')
            {
                pos++;
                var valueStart = pos;
                pos = ScanValue(text, valueStart, balanced: true);
                value = text.Substring(valueStart, pos - valueStart);
            }
            else
            {
                value = "1"; // bare flag such as [mock garbage]
            }
            d.Apply(key, value);
        }
    }

    /// <summary>Scans a value: up to whitespace or ']' outside balanced braces/brackets and JSON strings.</summary>
    private static int ScanValue(string text, int pos, bool balanced)
    {
        var len = text.Length;
        if (!balanced)
        {
            while (pos < len && !char.IsWhiteSpace(text[pos]) && text[pos] != ']')
            {
                pos++;
            }
            return pos;
        }

        var start = pos;
        Span<char> closers = stackalloc char[64];
        var depth = 0;
        var inString = false;
        while (pos < len)
        {
            var c = text[pos];
            if (inString)
            {
                if (c == '\\')
                {
                    pos += 2;
                    continue;
                }
                if (c == '"')
                {
                    inString = false;
                }
                pos++;
                continue;
            }
            if (c == '"')
            {
                inString = true;
            }
            else if (c is '{' or '[')
            {
                if (depth == closers.Length)
                {
                    return ScanValue(text, start, balanced: false);
                }
                closers[depth++] = c == '{' ? '}' : ']';
            }
            else if (c is '}' or ']')
            {
                if (depth == 0)
                {
                    if (c == ']')
                    {
                        return pos;
                    }
                }
                else if (closers[depth - 1] == c)
                {
                    depth--;
                }
                else
                {
                    return ScanValue(text, start, balanced: false); // mismatched bracket: not JSON
                }
            }
            else if (depth == 0 && char.IsWhiteSpace(c))
            {
                return pos;
            }
            pos++;
        }
        // Ran off the end inside an unbalanced value: fall back to a plain token.
        return depth > 0 || inString ? ScanValue(text, start, balanced: false) : len;
    }

    private void Apply(string key, string value)
    {
        switch (key.ToLowerInvariant())
        {
            case "id":
                SetText(ref Id, value);
                break;
            case "status":
                SetInt(ref Status, value, min: int.MinValue);
                break;
            case "fail-times":
                SetInt(ref FailTimes, value, min: 0);
                break;
            case "retry-after":
                SetText(ref RetryAfter, value);
                break;
            case "delay-ms":
                SetInt(ref DelayMs, value, min: 1);
                break;
            case "chunks":
                SetInt(ref Chunks, value, min: 1);
                break;
            case "chunk-delay-ms":
                SetInt(ref ChunkDelayMs, value, min: 1);
                break;
            case "drop-after":
                SetInt(ref DropAfter, value, min: 0);
                break;
            case "error-after":
                SetInt(ref ErrorAfter, value, min: 0);
                break;
            case "tool":
                SetText(ref Tool, value);
                break;
            case "args":
                if (value.Length > 0)
                {
                    Args = value;
                }
                break;
            case "garbage":
                Garbage = IsTrue(value);
                break;
            case "hang":
                Hang = IsTrue(value);
                break;
            case "content-type":
                SetText(ref ContentType, value);
                break;
        }
    }

    /// <summary>Sets <paramref name="field"/> to the integer value when it parses and is at least <paramref name="min"/>; else leaves it.</summary>
    private static void SetInt(ref int field, string value, int min)
    {
        if (TryInt(value, out var parsed) && parsed >= min)
        {
            field = parsed;
        }
    }

    /// <summary>Sets <paramref name="field"/> to the unquoted value unless that is empty.</summary>
    private static void SetText(ref string? field, string value)
    {
        var text = Unquote(value);
        if (text.Length > 0)
        {
            field = text;
        }
    }

    private static bool TryInt(string value, out int result) =>
        int.TryParse(Unquote(value), NumberStyles.Integer, CultureInfo.InvariantCulture, out result);

    private static bool IsTrue(string value)
    {
        var v = Unquote(value);
        return v is "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase) || v.Equals("yes", StringComparison.OrdinalIgnoreCase);
    }

    private static string Unquote(string value)
    {
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            var inner = value.AsSpan(1, value.Length - 2);
            if (inner.IndexOf('\\') < 0)
            {
                return inner.ToString();
            }
            var sb = new StringBuilder(inner.Length);
            for (var i = 0; i < inner.Length; i++)
            {
                if (inner[i] == '\\' && i + 1 < inner.Length)
                {
                    i++;
                }
                sb.Append(inner[i]);
            }
            return sb.ToString();
        }
        return value;
    }
}
