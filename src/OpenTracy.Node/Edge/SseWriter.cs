using System.Text.Json;
using System.Buffers;
using System.Diagnostics;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.AspNetCore.Http.Features;
using OpenTracy.Engine.Errors;
using OpenTracy.Wire;

namespace OpenTracy.Node.Edge;

/// <summary>
/// Runs a chunk source and writes it as OpenAI-style server-sent events: <c>data: {json}\n\n</c> per
/// chunk, then <c>data: [DONE]\n\n</c>. Each event is flushed, and the next chunk is pulled only
/// after the write completed, so a slow client slows the upstream read (Kestrel's write awaits
/// while its send buffer is full). A failure after the first chunk ends the stream with an
/// OpenAI error object as one more event, then <c>[DONE]</c>.
/// </summary>
public static class SseWriter
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>How a stream went: when its first chunk was written (Stopwatch timestamp, 0 = never), the error event it ended with, whether the client left.</summary>
    public readonly record struct StreamResult(long FirstChunkTimestamp, EngineError? Error, bool ClientGone);

    public static async Task<StreamResult> WriteAsync(HttpContext context, Source<StreamChunk, NotUsed> chunks, IMaterializer materializer, int buffer, ILogger logger)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(aborted);

        var writer = response.BodyWriter;
        long firstChunk = 0;
        try
        {
            await foreach (var chunk in chunks.RunAsAsyncEnumerableBuffer(materializer, 1, buffer).WithCancellation(aborted))
            {
                if (firstChunk == 0) firstChunk = Stopwatch.GetTimestamp();
                await WriteEventAsync(writer, JsonSerializer.SerializeToUtf8Bytes(chunk, EdgeJson.Wire.StreamChunk), aborted);
            }
            if (!aborted.IsCancellationRequested)
            {
                await writer.WriteAsync(Done, aborted);
                await writer.FlushAsync(aborted);
            }
            return new StreamResult(firstChunk, null, aborted.IsCancellationRequested);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; the request actor is being stopped and cancels the upstream call.
            return new StreamResult(firstChunk, null, true);
        }
        catch (Exception ex) when (!aborted.IsCancellationRequested)
        {
            logger.LogInformation("stream ended with an error after its first chunk: {Message}", ex.Message);
            var error = EngineError.FromException(ex);
            await WriteEventAsync(writer, JsonSerializer.SerializeToUtf8Bytes(error.Body, EdgeJson.Wire.ErrorResponse), aborted);
            await writer.WriteAsync(Done, aborted);
            await writer.FlushAsync(aborted);
            return new StreamResult(firstChunk, error, false);
        }
    }

    private static async ValueTask WriteEventAsync(System.IO.Pipelines.PipeWriter writer, byte[] json, CancellationToken cancellationToken)
    {
        writer.Write(DataPrefix.AsSpan());
        writer.Write(json.AsSpan());
        writer.Write(EventEnd.AsSpan());
        await writer.FlushAsync(cancellationToken);
    }
}
