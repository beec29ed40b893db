namespace OpenTracy.Routing.Embedding;

/// <summary>
/// The production embedder: all-MiniLM-L6-v2 (384-d, mean pooled, L2-normalised) in-process, batched on a
/// dedicated worker thread, with an LRU cache of embeddings. Loading the model takes a moment (~90 MB):
/// create one per process and share it.
/// </summary>
public sealed class MiniLmEmbedder : BatchingEmbedder
{
    public MiniLmEmbedder(EmbedderOptions? options = null)
        : base(CreateEncoder(options ?? new EmbedderOptions()), options, ownsEncoder: true)
    {
    }

    private static MiniLmTextEncoder CreateEncoder(EmbedderOptions options) => new(options);
}
