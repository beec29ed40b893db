using System.Security.Cryptography;
using System.Text;
using OpenTracy.Routing.Embedding;

namespace OpenTracy.Routing.Tests;

/// <summary>Locates the reference weights: walks up from the test binaries to a folder holding shared/weights/weights-mmlu-v1.</summary>
internal static class ReferenceWeights
{
    private const string Relative = "shared/weights/weights-mmlu-v1";

    public static string Directory { get; } = Find();

    public static string MmluFull => Path.Combine(Directory, "clusters", "mmlu_full.npz");

    public static string Default => Path.Combine(Directory, "clusters", "default.npz");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, Relative);
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException(
            $"reference weights not found: no '{Relative}' in any parent of {AppContext.BaseDirectory} (expected shared/ beside the repository)");
    }

    /// <summary>A writable copy of the reference weights (for precedence and reload tests).</summary>
    public static string CopyTo(string target)
    {
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(Directory, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
            File.SetAttributes(destination, FileAttributes.Normal);
        }
        return target;
    }
}

/// <summary>A temporary directory removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => System.IO.Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "opentracy-routing-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}

/// <summary>Deterministic pseudo-embeddings: a unit vector seeded by the MD5 of the text. No model needed.</summary>
internal sealed class HashEmbedder(int dimension = MiniLmTextEncoder.EmbeddingDimension) : IEmbedder
{
    public int Dimension => dimension;

    public ValueTask<ReadOnlyMemory<float>> EmbedAsync(string text, CancellationToken cancellationToken = default)
        => ValueTask.FromResult<ReadOnlyMemory<float>>(Vector(text, dimension));

    public static float[] Vector(string text, int dimension)
    {
        var seed = BitConverter.ToInt32(MD5.HashData(Encoding.UTF8.GetBytes(text)));
        var random = new Random(seed);
        var v = new float[dimension];
        double norm = 0;
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1);
            norm += v[i] * v[i];
        }
        for (var i = 0; i < v.Length; i++) v[i] = (float)(v[i] / Math.Sqrt(norm));
        return v;
    }
}

/// <summary>Wraps an embedder, counts calls and can hold every call at a gate until released.</summary>
internal sealed class CountingEmbedder(IEmbedder inner, Task? gate = null) : IEmbedder
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public int Dimension => inner.Dimension;

    public async ValueTask<ReadOnlyMemory<float>> EmbedAsync(string text, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        if (gate is not null) await gate.WaitAsync(cancellationToken);
        return await inner.EmbedAsync(text, cancellationToken);
    }
}

/// <summary>A clock tests move by hand.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>One MiniLM model per test run (loading it takes a moment), shared by the classes that need it.</summary>
public sealed class MiniLmFixture : IAsyncLifetime
{
    public MiniLmFixture()
    {
        Encoder = new MiniLmTextEncoder();
        Embedder = new BatchingEmbedder(Encoder, new EmbedderOptions(), ownsEncoder: false);
    }

    /// <summary>The raw batch encoder (thread-safe; tests may call it beside the embedder's worker).</summary>
    public MiniLmTextEncoder Encoder { get; }

    /// <summary>The production embedder pipeline (batching worker + cache) over <see cref="Encoder"/>.</summary>
    public BatchingEmbedder Embedder { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Embedder.DisposeAsync();
        Encoder.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class MiniLmCollection : ICollectionFixture<MiniLmFixture>
{
    public const string Name = "MiniLM";
}
