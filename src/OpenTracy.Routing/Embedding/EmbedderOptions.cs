namespace OpenTracy.Routing.Embedding;

/// <summary>Settings of the batching embedder (the engine binds them from HOCON).</summary>
public sealed record EmbedderOptions
{
    public const int DefaultMaxBatchSize = 32;
    public const int DefaultQueueCapacity = 4096;
    public const int DefaultCacheSize = 10_000;
    public const int DefaultMaxInputChars = 4096;

    /// <summary>Most texts encoded in one ONNX run.</summary>
    public int MaxBatchSize { get; init; } = DefaultMaxBatchSize;

    /// <summary>
    /// How long the worker waits for more texts after the first one of a batch arrived. Zero (the default)
    /// adds no latency: texts that queued up while the previous batch was encoding form the next batch.
    /// </summary>
    public TimeSpan BatchWait { get; init; } = TimeSpan.Zero;

    /// <summary>Texts waiting to be encoded; callers wait asynchronously when the queue is full.</summary>
    public int QueueCapacity { get; init; } = DefaultQueueCapacity;

    /// <summary>LRU cache of embeddings keyed by the MD5 of the text; 0 disables it.</summary>
    public int CacheSize { get; init; } = DefaultCacheSize;

    /// <summary>
    /// Texts are cut to this many characters before tokenisation. The packaged tokenizer keeps up to 512
    /// word pieces; the cut bounds the CPU spent on one very long prompt.
    /// </summary>
    public int MaxInputChars { get; init; } = DefaultMaxInputChars;

    /// <summary>ONNX Runtime intra-op threads for one run; 0 leaves ONNX Runtime's default (one per core).</summary>
    public int IntraOpThreads { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1, nameof(MaxBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1, nameof(QueueCapacity));
        ArgumentOutOfRangeException.ThrowIfNegative(CacheSize, nameof(CacheSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInputChars, 1, nameof(MaxInputChars));
        ArgumentOutOfRangeException.ThrowIfNegative(IntraOpThreads, nameof(IntraOpThreads));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchWait, TimeSpan.Zero, nameof(BatchWait));
    }
}
