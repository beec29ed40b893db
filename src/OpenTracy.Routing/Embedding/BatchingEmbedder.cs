using System.Diagnostics;
using System.Threading.Channels;
using OpenTracy.Routing.Caching;

namespace OpenTracy.Routing.Embedding;

/// <summary>
/// Batches concurrent embedding requests onto one dedicated worker thread (never a thread-pool or
/// actor thread). Callers queue texts in a bounded channel; the worker takes up to
/// <see cref="EmbedderOptions.MaxBatchSize"/> of them (waiting at most <see cref="EmbedderOptions.BatchWait"/>
/// for more after the first), encodes identical texts once, and completes each caller. Results are
/// kept in an LRU cache keyed by the MD5 of the text, checked before queueing.
/// </summary>
public class BatchingEmbedder : IEmbedder, IAsyncDisposable, IDisposable
{
    private const string WorkerThreadName = "opentracy-embedder";

    private readonly ITextEncoder _encoder;
    private readonly bool _ownsEncoder;
    private readonly EmbedderOptions _options;
    private readonly Channel<Job> _queue;
    private readonly SemaphoreSlim _queued = new(0); // one count per job written to the channel
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly LruCache<UInt128, float[]>? _cache;
    private long _requests, _cacheHits, _batches, _textsEncoded, _encodeTicks;
    private int _disposed;

    public BatchingEmbedder(ITextEncoder encoder, EmbedderOptions? options = null, bool ownsEncoder = true)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        _options = options ?? new EmbedderOptions();
        _options.Validate();
        _encoder = encoder;
        _ownsEncoder = ownsEncoder;
        _queue = Channel.CreateBounded<Job>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        if (_options.CacheSize > 0) _cache = new LruCache<UInt128, float[]>(_options.CacheSize);
        var worker = new Thread(RunWorker) { IsBackground = true, Name = WorkerThreadName };
        worker.Start();
    }

    public int Dimension => _encoder.Dimension;

    public EmbedderOptions Options => _options;

    public async ValueTask<ReadOnlyMemory<float>> EmbedAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Interlocked.Increment(ref _requests);
        var key = TextKey.Of(text);
        if (_cache is not null && _cache.TryGet(key, out var cached))
        {
            Interlocked.Increment(ref _cacheHits);
            return cached;
        }

        var job = new Job(text, key);
        await using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static state => ((Job)state!).Completion.TrySetCanceled(), job)
            : default;
        try
        {
            await _queue.Writer.WriteAsync(job, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(GetType().Name);
        }
        _queued.Release();
        return await job.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>Counters since start (for metrics and the benchmark).</summary>
    public EmbedderStatistics GetStatistics() => new(
        Interlocked.Read(ref _requests), Interlocked.Read(ref _cacheHits), Interlocked.Read(ref _batches),
        Interlocked.Read(ref _textsEncoded), TimeSpan.FromTicks(Interlocked.Read(ref _encodeTicks)));

    private void RunWorker()
    {
        var batch = new List<Job>(_options.MaxBatchSize);
        try
        {
            while (true)
            {
                _queued.Wait(_stop.Token);
                TakeOne(batch);
                FillBatch(batch);
                EncodeBatch(batch);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // disposed
        }
        finally
        {
            var disposed = new ObjectDisposedException(GetType().Name);
            foreach (var job in batch) job.Completion.TrySetException(disposed);
            while (_queue.Reader.TryRead(out var left)) left.Completion.TrySetException(disposed);
            _stopped.TrySetResult();
        }
    }

    private void FillBatch(List<Job> batch)
    {
        var waitUntil = Stopwatch.GetTimestamp() + (long)(_options.BatchWait.TotalSeconds * Stopwatch.Frequency);
        while (batch.Count < _options.MaxBatchSize)
        {
            if (_queued.Wait(0))
            {
                TakeOne(batch);
                continue;
            }
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), waitUntil);
            if (remaining <= TimeSpan.Zero || !_queued.Wait(remaining, _stop.Token)) return;
            TakeOne(batch);
        }
    }

    private void TakeOne(List<Job> batch)
    {
        // A semaphore count is released only after its job was written, so the read succeeds.
        if (_queue.Reader.TryRead(out var job)) batch.Add(job);
    }

    private void EncodeBatch(List<Job> batch)
    {
        // Identical texts in one batch are encoded once; callers that gave up are skipped.
        var texts = new List<string>(batch.Count);
        var slotOf = new Dictionary<UInt128, int>(batch.Count);
        foreach (var job in batch)
        {
            if (job.Completion.Task.IsCompleted || slotOf.ContainsKey(job.Key)) continue;
            slotOf[job.Key] = texts.Count;
            texts.Add(job.Text);
        }
        if (texts.Count == 0) return;

        float[][] vectors;
        var started = Stopwatch.GetTimestamp();
        try
        {
            vectors = _encoder.Encode(texts, _stop.Token);
        }
        catch (Exception ex)
        {
            foreach (var job in batch) job.Completion.TrySetException(ex);
            if (ex is OperationCanceledException && _stop.IsCancellationRequested) throw;
            return;
        }
        Interlocked.Add(ref _encodeTicks, Stopwatch.GetElapsedTime(started).Ticks);
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _textsEncoded, texts.Count);

        foreach (var (key, slot) in slotOf) _cache?.Set(key, vectors[slot]);
        foreach (var job in batch)
        {
            if (slotOf.TryGetValue(job.Key, out var slot)) job.Completion.TrySetResult(vectors[slot]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose()) return;
        await _stopped.Task.ConfigureAwait(false);
        EndDispose();
        GC.SuppressFinalize(this);
    }

    public void Dispose()
    {
        if (!BeginDispose()) return;
        // The worker observes the stop token at its next wait; an ONNX run in progress is terminated.
        _stopped.Task.ContinueWith(_ => EndDispose(), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        GC.SuppressFinalize(this);
    }

    private bool BeginDispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return false;
        _queue.Writer.TryComplete();
        _stop.Cancel();
        return true;
    }

    private void EndDispose()
    {
        if (_ownsEncoder) _encoder.Dispose();
        _stop.Dispose();
        _queued.Dispose();
    }

    private sealed class Job(string text, UInt128 key)
    {
        public string Text { get; } = text;
        public UInt128 Key { get; } = key;
        public TaskCompletionSource<ReadOnlyMemory<float>> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>Embedder counters: requests, cache hits, ONNX runs, texts encoded and total encode time.</summary>
public sealed record EmbedderStatistics(long Requests, long CacheHits, long Batches, long TextsEncoded, TimeSpan EncodeTime)
{
    /// <summary>Mean ONNX time per encoded text (zero before the first batch).</summary>
    public TimeSpan MeanEncodeTimePerText => TextsEncoded == 0 ? TimeSpan.Zero : EncodeTime / TextsEncoded;

    public double MeanBatchSize => Batches == 0 ? 0 : (double)TextsEncoded / Batches;
}
