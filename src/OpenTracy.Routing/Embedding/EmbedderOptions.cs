namespace OpenTracy.Routing.Embedding;

/// <summary>Settings of the batching embedder (the engine binds them from HOCON).</summary>
public sealed record EmbedderOptions
{
    public const int DefaultMaxBatchSize = 32;
    public const int DefaultQueueCapacity = 4096;
    public const int DefaultCacheSize = 10_000;
    public const int DefaultMaxInputChars = 4096;

    /// <summary>The reference engine's limit: 126 word pieces plus [CLS] and [SEP] (§8.1).</summary>
    public const int DefaultMaxTokens = 128;

    public const int DefaultIntraOpThreads = 1;

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
    /// Texts are cut to this many characters before anything else: it bounds the tokenisation work spent on
    /// one very long prompt (the token limit below decides what the model sees).
    /// </summary>
    public int MaxInputChars { get; init; } = DefaultMaxInputChars;

    /// <summary>
    /// Most tokens fed to the model, [CLS] and [SEP] included (default 128, as the reference engine). Whole
    /// words past the limit are dropped. 0 keeps the packaged tokenizer's own limit of 512 tokens.
    /// </summary>
    public int MaxTokens { get; init; } = DefaultMaxTokens;

    /// <summary>
    /// ONNX Runtime intra-op threads for one run. The default 1 keeps all model work on the embedder's own
    /// worker thread (no ONNX thread pool spinning on the cores the gateway serves requests with); batching
    /// supplies the throughput. 0 leaves ONNX Runtime's default (one thread per physical core).
    /// </summary>
    public int IntraOpThreads { get; init; } = DefaultIntraOpThreads;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1, nameof(MaxBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1, nameof(QueueCapacity));
        ArgumentOutOfRangeException.ThrowIfNegative(CacheSize, nameof(CacheSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInputChars, 1, nameof(MaxInputChars));
        if (MaxTokens is not 0 and < MiniLmTextEncoder.SpecialTokens + 1)
            throw new ArgumentOutOfRangeException(nameof(MaxTokens), "MaxTokens must be 0 or at least 3");
        ArgumentOutOfRangeException.ThrowIfNegative(IntraOpThreads, nameof(IntraOpThreads));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchWait, TimeSpan.Zero, nameof(BatchWait));
    }
}
