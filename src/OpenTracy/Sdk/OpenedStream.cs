using OpenTracy.Wire;

namespace OpenTracy.Sdk;

/// <summary>
/// A stream whose first chunk has already arrived (or that ended without any). Until then it was
/// still the attempt loop's to retry; from here on a failure reaches the consumer.
/// </summary>
internal sealed class OpenedStream(IAsyncEnumerator<StreamChunk> rest, StreamChunk? first, Func<StreamChunk, StreamChunk> map) : IAsyncDisposable
{
    public StreamChunk? First { get; } = first is null ? null : map(first);

    public async ValueTask<StreamChunk?> NextAsync()
        => await rest.MoveNextAsync().ConfigureAwait(false) ? map(rest.Current) : null;

    public ValueTask DisposeAsync() => rest.DisposeAsync();

    /// <summary>Pulls the first chunk; on failure the enumerator is disposed before the exception leaves.</summary>
    public static async Task<OpenedStream> OpenAsync(IAsyncEnumerator<StreamChunk> chunks, Func<StreamChunk, StreamChunk> map)
    {
        try
        {
            var any = await chunks.MoveNextAsync().ConfigureAwait(false);
            return new OpenedStream(chunks, any ? chunks.Current : null, map);
        }
        catch
        {
            await chunks.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
