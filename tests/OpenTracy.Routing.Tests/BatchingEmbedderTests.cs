using System.Collections.Concurrent;
using OpenTracy.Routing.Embedding;

namespace OpenTracy.Routing.Tests;

public sealed class BatchingEmbedderTests
{
    /// <summary>Records every batch; while the gate is closed, the encode call blocks (on the embedder's worker thread).</summary>
    private sealed class GatedEncoder : ITextEncoder
    {
        private readonly ManualResetEventSlim _gate = new(initialState: true);

        public ConcurrentQueue<string[]> Batches { get; } = new();

        public TaskCompletionSource Entered { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Exception? FailNext { get; set; }

        public int Dimension => 4;

        public void Close()
        {
            Entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _gate.Reset();
        }

        public void Open() => _gate.Set();

        public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken)
        {
            Batches.Enqueue([.. texts]);
            Entered.TrySetResult();
            _gate.Wait(cancellationToken);
            if (FailNext is { } ex)
            {
                FailNext = null;
                throw ex;
            }
            return texts.Select(t => new float[] { t.Length, 1, 2, 3 }).ToArray();
        }

        public void Dispose() => _gate.Dispose();
    }

    private static async Task<(BatchingEmbedder Embedder, Task<ReadOnlyMemory<float>> First)> StartBlocked(GatedEncoder encoder, EmbedderOptions? options = null)
    {
        var embedder = new BatchingEmbedder(encoder, options ?? new EmbedderOptions());
        encoder.Close();
        var first = embedder.EmbedAsync("blocker").AsTask();
        await encoder.Entered.Task; // the worker is inside Encode with a batch of one
        return (embedder, first);
    }

    [Fact]
    public async Task Requests_queued_during_an_encode_form_the_next_batch()
    {
        var encoder = new GatedEncoder();
        var (embedder, first) = await StartBlocked(encoder);
        await using var _ = embedder;

        var queued = Enumerable.Range(0, 10).Select(i => embedder.EmbedAsync($"text {i}").AsTask()).ToArray();
        encoder.Open();
        await first;
        var results = await Task.WhenAll(queued);

        Assert.Equal([1, 10], encoder.Batches.Select(b => b.Length));
        Assert.Equal("text 3".Length, results[3].Span[0]);
        var stats = embedder.GetStatistics();
        Assert.Equal(2, stats.Batches);
        Assert.Equal(11, stats.TextsEncoded);
        Assert.Equal(5.5, stats.MeanBatchSize);
    }

    [Fact]
    public async Task Batches_never_exceed_the_maximum_size()
    {
        var encoder = new GatedEncoder();
        var (embedder, first) = await StartBlocked(encoder, new EmbedderOptions { MaxBatchSize = 4 });
        await using var _ = embedder;

        var queued = Enumerable.Range(0, 10).Select(i => embedder.EmbedAsync($"t{i}").AsTask()).ToArray();
        encoder.Open();
        await Task.WhenAll(queued.Append(first));

        Assert.Equal([1, 4, 4, 2], encoder.Batches.Select(b => b.Length));
    }

    [Fact]
    public async Task A_full_batch_does_not_wait_for_the_batch_window()
    {
        var encoder = new GatedEncoder();
        await using var embedder = new BatchingEmbedder(encoder, new EmbedderOptions { MaxBatchSize = 4, BatchWait = TimeSpan.FromMinutes(5) });

        var all = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => embedder.EmbedAsync($"w{i}").AsTask()));

        Assert.Equal(4, all.Length);
        Assert.Equal([4], encoder.Batches.Select(b => b.Length));
    }

    [Fact]
    public async Task Identical_texts_in_a_batch_are_encoded_once()
    {
        var encoder = new GatedEncoder();
        var (embedder, first) = await StartBlocked(encoder, new EmbedderOptions { CacheSize = 0 });
        await using var _ = embedder;

        var queued = Enumerable.Range(0, 5).Select(_ => embedder.EmbedAsync("same").AsTask()).ToArray();
        encoder.Open();
        await Task.WhenAll(queued.Append(first));

        Assert.Equal(["same"], encoder.Batches.Last());
    }

    [Fact]
    public async Task Cached_texts_skip_the_encoder()
    {
        var encoder = new GatedEncoder();
        await using var embedder = new BatchingEmbedder(encoder);

        var a = await embedder.EmbedAsync("cache me");
        var b = await embedder.EmbedAsync("cache me");

        Assert.Single(encoder.Batches);
        Assert.True(a.Span.SequenceEqual(b.Span));
        Assert.Equal(1, embedder.GetStatistics().CacheHits);
    }

    [Fact]
    public async Task A_cancelled_caller_is_released_and_skipped_while_others_complete()
    {
        var encoder = new GatedEncoder();
        var (embedder, first) = await StartBlocked(encoder);
        await using var _ = embedder;

        using var cts = new CancellationTokenSource();
        var cancelled = embedder.EmbedAsync("give up", cts.Token).AsTask();
        var kept = embedder.EmbedAsync("keep").AsTask();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        encoder.Open();
        await first;
        await kept;
        Assert.DoesNotContain(encoder.Batches, b => b.Contains("give up"));
    }

    [Fact]
    public async Task An_encoder_failure_reaches_the_callers_and_the_worker_goes_on()
    {
        var encoder = new GatedEncoder { FailNext = new InvalidOperationException("onnx broke") };
        await using var embedder = new BatchingEmbedder(encoder);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => embedder.EmbedAsync("x").AsTask());
        Assert.Equal("onnx broke", ex.Message);
        Assert.Equal(1, (await embedder.EmbedAsync("x")).Span[0]);
    }

    [Fact]
    public async Task Dispose_fails_waiting_callers_and_later_calls()
    {
        var encoder = new GatedEncoder();
        var (embedder, first) = await StartBlocked(encoder);
        var waiting = embedder.EmbedAsync("waiting").AsTask();

        await embedder.DisposeAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => first);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => embedder.EmbedAsync("late").AsTask());
    }

    [Fact]
    public async Task Encoding_runs_on_the_dedicated_worker_thread()
    {
        var threads = new ConcurrentBag<string?>();
        var encoder = new ThreadRecordingEncoder(threads);
        await using var embedder = new BatchingEmbedder(encoder);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => embedder.EmbedAsync($"t{i}").AsTask()));

        Assert.All(threads, name => Assert.Equal("opentracy-embedder", name));
    }

    private sealed class ThreadRecordingEncoder(ConcurrentBag<string?> threads) : ITextEncoder
    {
        public int Dimension => 1;

        public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken)
        {
            threads.Add(Thread.CurrentThread.Name);
            Assert.False(Thread.CurrentThread.IsThreadPoolThread);
            return texts.Select(_ => new float[] { 1 }).ToArray();
        }

        public void Dispose()
        {
        }
    }
}
