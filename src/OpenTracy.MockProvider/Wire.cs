using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace OpenTracy.MockProvider;

/// <summary>Where a provider request came in.</summary>
internal readonly record struct Route(string RawPath, string RawQuery, string? PathModel, bool BedrockStream);

/// <summary>An error answer in the provider's own format.</summary>
internal sealed record ErrorReply(int Status, string Type, string Message, string? Code = null, string? Param = null)
{
    /// <summary>Retry-After header value (directive failures only).</summary>
    public string? RetryAfter { get; init; }
}

/// <summary>One provider wire format: validation, error bodies, JSON answers and streams.</summary>
internal abstract class WireFormat
{
    public abstract ChatRequest Parse(byte[] body);

    /// <summary>Auth and request validation; null when the request is acceptable.</summary>
    public abstract ErrorReply? Validate(HttpContext ctx, Route route, ChatRequest request, byte[] body);

    /// <summary>The provider's error for a <c>status=CODE</c> directive, with a realistic message.</summary>
    public abstract ErrorReply StatusError(int status);

    public abstract Task WriteErrorAsync(HttpContext ctx, ErrorReply error, Directive d);

    public abstract Task WriteGarbageAsync(HttpContext ctx, Route route, ChatRequest request, Directive d);

    public abstract bool IsStream(Route route, ChatRequest request);

    public abstract string AnswerModel(Route route, ChatRequest request);

    public abstract string ToolIdPrefix { get; }

    /// <summary>Writes the answer; returns true when the connection was dropped on purpose.</summary>
    public abstract Task<bool> WriteAnswerAsync(HttpContext ctx, Route route, ChatRequest request, Answer answer, Directive d, CancellationToken ct);

    // ---------- shared helpers ----------

    protected static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal static JsonWriterOptions SharedWriterOptions => WriterOptions;

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>A thread-local JSON writer over a reset buffer. Must be used and sent without awaiting in between.</summary>
    protected static Utf8JsonWriter RentJson(out ArrayBufferWriter<byte> buffer)
    {
        var b = t_buffer;
        if (b is null || b.Capacity > 1 << 20)
        {
            b = t_buffer = new ArrayBufferWriter<byte>(4096);
        }
        b.ResetWrittenCount();
        buffer = b;
        var w = t_writer ??= new Utf8JsonWriter(b, WriterOptions);
        w.Reset(b);
        return w;
    }

    /// <summary>Sends a complete JSON body with Content-Length. With <paramref name="dropHalf"/>, writes half of it and aborts.</summary>
    protected static async Task<bool> SendBufferedAsync(HttpContext ctx, int status, string contentType, Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, Directive d, bool dropHalf = false)
    {
        writer.Flush();
        var response = ctx.Response;
        response.StatusCode = status;
        response.ContentType = d.ContentType ?? contentType;
        response.ContentLength = buffer.WrittenCount;
        var data = buffer.WrittenSpan;
        var pipe = response.BodyWriter;
        pipe.Write(dropHalf ? data[..(data.Length / 2)] : data); // copied synchronously: the buffer is free again
        var result = await pipe.FlushAsync(ctx.RequestAborted);
        if (dropHalf)
        {
            await DropAsync(ctx);
            return true;
        }
        ThrowIfClientGone(result);
        return false;
    }

    protected static Task<bool> SendRawAsync(HttpContext ctx, int status, string contentType, byte[] body, Directive d)
    {
        var response = ctx.Response;
        response.StatusCode = status;
        response.ContentType = d.ContentType ?? contentType;
        response.ContentLength = body.Length;
        return WriteAndFlushAsync(ctx, body);
    }

    private static async Task<bool> WriteAndFlushAsync(HttpContext ctx, byte[] body)
    {
        var result = await ctx.Response.BodyWriter.WriteAsync(body, ctx.RequestAborted);
        ThrowIfClientGone(result);
        return false;
    }

    protected static void ThrowIfClientGone(FlushResult result)
    {
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new OperationCanceledException("client went away");
        }
    }

    /// <summary>How long <see cref="DropAsync"/> lets flushed bytes reach the socket before it cuts the connection.</summary>
    private const int DropPauseMs = 100;

    /// <summary>
    /// Cuts the connection on purpose. The pause lets already flushed bytes reach the socket first: Kestrel writes
    /// its output to the socket asynchronously and an abort discards what is still queued. On a starved machine
    /// the pause can still be too short, and the client then sees the cut earlier than asked.
    /// </summary>
    internal static async Task DropAsync(HttpContext ctx)
    {
        try
        {
            await Task.Delay(DropPauseMs, ctx.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
        ctx.Abort();
    }

    protected static void ApplyRetryAfter(HttpContext ctx, ErrorReply error)
    {
        if (error.RetryAfter is not null)
        {
            ctx.Response.Headers.RetryAfter = error.RetryAfter;
        }
    }

    /// <summary>Writes tool args as a JSON value: raw when it is a JSON object, else as a JSON string.</summary>
    protected static void WriteArgsValue(Utf8JsonWriter w, Answer a)
    {
        if (a.ToolArgsIsObject)
        {
            w.WriteRawValue(a.ToolArgs, skipInputValidation: true);
        }
        else
        {
            w.WriteStringValue(a.ToolArgs);
        }
    }

    protected static long UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Starts a 200 server-sent-events answer (Content-Type overridable by the directive).</summary>
    protected static SseSink StartSse(HttpContext ctx, Directive d, string contentType)
    {
        var response = ctx.Response;
        response.StatusCode = 200;
        response.ContentType = d.ContentType ?? contentType;
        response.Headers.CacheControl = "no-cache";
        return new SseSink(ctx);
    }
}

/// <summary>Server-sent events written straight into the response pipe, one flush per event.</summary>
internal sealed class SseSink
{
    private readonly PipeWriter _pipe;
    private readonly Utf8JsonWriter _json;

    public SseSink(HttpContext ctx)
    {
        _pipe = ctx.Response.BodyWriter;
        _json = new Utf8JsonWriter(_pipe, WireFormat.SharedWriterOptions);
    }

    public Utf8JsonWriter Begin(string? eventName = null)
    {
        if (eventName is not null)
        {
            _pipe.Write("event: "u8);
            WriteAscii(eventName);
            _pipe.Write("\n"u8);
        }
        _pipe.Write("data: "u8);
        _json.Reset(_pipe);
        return _json;
    }

    public async ValueTask EndAsync(CancellationToken ct)
    {
        _json.Flush();
        _pipe.Write("\n\n"u8);
        await FlushAsync(ct);
    }

    public async ValueTask WriteRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        _pipe.Write(bytes.Span);
        await FlushAsync(ct);
    }

    private async ValueTask FlushAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var result = await _pipe.FlushAsync(ct);
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new OperationCanceledException("client went away");
        }
    }

    private void WriteAscii(string s)
    {
        var span = _pipe.GetSpan(Encoding.UTF8.GetMaxByteCount(s.Length));
        var n = Encoding.UTF8.GetBytes(s, span);
        _pipe.Advance(n);
    }
}
