namespace OpenTracy.Routing.Embedding;

/// <summary>Turns one text into a sentence embedding. Implementations are thread-safe.</summary>
public interface IEmbedder
{
    /// <summary>Length of every vector this embedder returns.</summary>
    int Dimension { get; }

    /// <summary>
    /// The embedding of <paramref name="text"/>. The memory may be shared with a cache: never write to it.
    /// Cancelling abandons this caller's wait; a batch already running for other callers completes.
    /// </summary>
    ValueTask<ReadOnlyMemory<float>> EmbedAsync(string text, CancellationToken cancellationToken = default);
}

/// <summary>
/// The synchronous, CPU-bound batch encoder behind an <see cref="IEmbedder"/> (one ONNX run per call).
/// Called from one worker thread at a time.
/// </summary>
public interface ITextEncoder : IDisposable
{
    int Dimension { get; }

    /// <summary>One vector per input text, in order.</summary>
    float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken);
}
