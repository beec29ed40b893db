using System.Buffers;
using System.Text.Json;
using OpenTracy.Providers.Http;
using OpenTracy.Wire;

namespace OpenTracy.Providers.OpenAI;

/// <summary>
/// Turns an OpenAI-style SSE body into <see cref="StreamChunk"/>s: one per <c>data:</c> event, ending
/// at <c>data: [DONE]</c>. A body that ends before <c>[DONE]</c> is a transport failure (the stream
/// was cut); an event that is not a JSON chunk is an invalid response; an in-stream error event
/// (<c>event: error</c>, or <c>{"error":...}</c> without choices) is a transport failure carrying the
/// provider's error. Every read runs under the call's timeout. Owns and disposes the upstream response:
/// after <c>[DONE]</c> it reads the little that is left (the chunked-encoding terminator) so the
/// connection returns to the pool; a stream abandoned earlier closes its connection (see
/// <see cref="ProviderClients.CreateHandler"/>), which is how the provider learns of the cancellation.
/// </summary>
public sealed class OpenAIChunkReader : IAsyncDisposable
{
    public const string DoneMarker = "[DONE]";
    public const string ErrorEventName = "error";
    private const string ErrorField = "error";

    /// <summary>How long to wait for the end of the body after <c>[DONE]</c> before giving the connection up.</summary>
    public static readonly TimeSpan DrainAfterDoneTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>Most bytes read after <c>[DONE]</c> to save a connection; a provider sending more is not waited for.</summary>
    public const int MaxDrainBytes = 16 * 1024;

    private const int DrainBufferBytes = 1024;

    private readonly UpstreamResponse _upstream;
    private readonly Stream _body;
    private readonly IAsyncEnumerator<SseEvent> _events;
    private bool _finished;

    private OpenAIChunkReader(UpstreamResponse upstream, Stream body)
    {
        _upstream = upstream;
        _body = body;
        _events = SseReader.ReadAsync(body, upstream.Token).GetAsyncEnumerator(upstream.Token);
    }

    private string Provider => _upstream.Provider;

    /// <summary>Checks the content type and starts reading. Disposes <paramref name="upstream"/> if it throws.</summary>
    public static async Task<OpenAIChunkReader> OpenAsync(UpstreamResponse upstream)
    {
        try
        {
            var content = upstream.Response.Content;
            var body = await content.ReadAsStreamAsync(upstream.Token).ConfigureAwait(false);
            var mediaType = content.Headers.ContentType?.MediaType;
            if (!string.Equals(mediaType, OpenAICompatibleClient.EventStreamMediaType, StringComparison.OrdinalIgnoreCase))
            {
                var preview = await BodyPreview.ReadAsync(body, upstream.Token).ConfigureAwait(false);
                throw upstream.Invalid($"expected {OpenAICompatibleClient.EventStreamMediaType} but got content type '{mediaType ?? "(none)"}': {preview}");
            }
            return new OpenAIChunkReader(upstream, body);
        }
        catch (Exception ex)
        {
            upstream.Dispose();
            if (ex is ProviderException) throw;
            throw upstream.Translate(ex);
        }
    }

    /// <summary>The next chunk, or null once <c>[DONE]</c> arrived.</summary>
    public async ValueTask<StreamChunk?> NextAsync()
    {
        if (_finished) return null;
        while (true)
        {
            bool more;
            try
            {
                more = await _events.MoveNextAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                throw _upstream.Translate(ex);
            }
            if (!more) throw new ProviderException(Provider, ProviderFailureKind.Transport, null, "stream ended before [DONE]");

            var evt = _events.Current;
            var data = evt.Data.AsSpan().Trim();
            if (data.SequenceEqual(DoneMarker))
            {
                _finished = true;
                return null;
            }
            if (string.Equals(evt.Event, ErrorEventName, StringComparison.Ordinal)) throw StreamError(evt.Data);
            if (data.IsEmpty) continue;

            StreamChunk? chunk;
            try
            {
                chunk = JsonSerializer.Deserialize(evt.Data, WireJson.Default.StreamChunk);
            }
            catch (JsonException ex)
            {
                throw _upstream.Invalid($"stream event is not a valid chat.completion.chunk ({ex.Message}): {BodyPreview.Format(evt.Data)}");
            }
            if (chunk is null) throw _upstream.Invalid("stream event is JSON null");
            if (chunk.Choices.Count == 0 && chunk.Usage is null && chunk.Extra is { } extra && extra.TryGetValue(ErrorField, out var error))
                throw StreamError(error.GetRawText());
            return chunk;
        }
    }

    private ProviderException StreamError(string payload)
        => new(Provider, ProviderFailureKind.Transport, null, "stream ended with an error event: "
            + (payload.Length > ProviderHttp.MaxErrorBodyChars ? payload[..ProviderHttp.MaxErrorBodyChars] : payload).Trim());

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _events.DisposeAsync().ConfigureAwait(false);
            if (_finished) await DrainAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            // Disposal after a cut or cancelled stream: the failure has already been reported.
        }
        finally
        {
            _upstream.Dispose();
        }
    }

    /// <summary>Reads the rest of a finished body (normally only the chunked terminator), within small bounds.</summary>
    private async ValueTask DrainAsync()
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(_upstream.Token);
        bound.CancelAfter(DrainAfterDoneTimeout);
        var buffer = ArrayPool<byte>.Shared.Rent(DrainBufferBytes);
        try
        {
            var total = 0;
            int n;
            while ((n = await _body.ReadAsync(buffer, bound.Token).ConfigureAwait(false)) > 0)
            {
                total += n;
                if (total > MaxDrainBytes) return;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
