using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace OpenTracy.MockProvider;

/// <summary>Amazon Bedrock Converse API (<c>/model/{id}/converse</c> and <c>/converse-stream</c>).</summary>
internal sealed class BedrockWire(string? secretAccessKey) : WireFormat
{
    private const string EventStreamContentType = "application/vnd.amazon.eventstream";
    private static readonly byte[] GarbageJson = "this is not json{"u8.ToArray();

    public override string ToolIdPrefix => "tooluse_";

    public override ChatRequest Parse(byte[] body) => ChatRequest.ParseBedrock(body);

    public override bool IsStream(Route route, ChatRequest request) => route.BedrockStream;

    public override string AnswerModel(Route route, ChatRequest request) => route.PathModel ?? "";

    public override ErrorReply? Validate(HttpContext ctx, Route route, ChatRequest request, byte[] body)
    {
        var failure = SigV4.Check(ctx.Request, route.RawPath, route.RawQuery, body, secretAccessKey);
        if (failure is { } f)
        {
            return new ErrorReply(403, f.ErrorType, f.Message);
        }
        if (!request.ValidJson)
        {
            return new ErrorReply(400, "SerializationException", "Malformed input request: the request body is not valid JSON.");
        }
        if (!request.HasMessages)
        {
            return new ErrorReply(400, "ValidationException", "Malformed input request: #: required key [messages] not found, please reformat your input and try again.");
        }
        return null;
    }

    public override ErrorReply StatusError(int status) => status switch
    {
        400 => new ErrorReply(400, "ValidationException", "Invalid request (mock)."),
        403 => new ErrorReply(403, "AccessDeniedException", "You don't have access to the model with the specified model ID."),
        404 => new ErrorReply(404, "ResourceNotFoundException", "Could not resolve the foundation model from the provided model identifier."),
        408 => new ErrorReply(408, "ModelTimeoutException", "Model has timed out in processing the request. Try your request again."),
        424 => new ErrorReply(424, "ModelErrorException", "The request failed due to an error while processing the model."),
        429 => new ErrorReply(429, "ThrottlingException", "Too many requests, please wait before trying again."),
        500 => new ErrorReply(500, "InternalServerException", "An internal server error occurred. Retry your request."),
        503 => new ErrorReply(503, "ServiceUnavailableException", "Bedrock is unable to process your request."),
        _ => new ErrorReply(status, status >= 500 ? "InternalServerException" : "ValidationException", $"Mock error (status {status})."),
    };

    public override Task WriteErrorAsync(HttpContext ctx, ErrorReply error, Directive d)
    {
        ApplyRetryAfter(ctx, error);
        var headers = ctx.Response.Headers;
        headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        headers["x-amzn-ErrorType"] = error.Type;
        var w = RentJson(out var buffer);
        w.WriteStartObject();
        w.WriteString("message", error.Message);
        w.WriteEndObject();
        return SendBufferedAsync(ctx, error.Status, "application/json", w, buffer, d);
    }

    public override async Task WriteGarbageAsync(HttpContext ctx, Route route, ChatRequest request, Directive d)
    {
        if (route.BedrockStream)
        {
            var response = ctx.Response;
            response.StatusCode = 200;
            response.ContentType = d.ContentType ?? EventStreamContentType;
            response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
            var pipe = response.BodyWriter;
            EventStreamFrame.WriteEvent(pipe, "messageStart", """{"role":"assistant"}"""u8, corruptCrc: true);
            ThrowIfClientGone(await pipe.FlushAsync(ctx.RequestAborted));
            return;
        }
        await SendRawAsync(ctx, 200, "application/json", GarbageJson, d);
    }

    public override Task<bool> WriteAnswerAsync(HttpContext ctx, Route route, ChatRequest request, Answer answer, Directive d, CancellationToken ct)
    {
        ctx.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        return route.BedrockStream ? StreamAsync(ctx, answer, d, ct) : JsonAsync(ctx, answer, d);
    }

    private static Task<bool> JsonAsync(HttpContext ctx, Answer a, Directive d)
    {
        var w = RentJson(out var buffer);
        w.WriteStartObject();
        w.WriteStartObject("output");
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        w.WriteStartArray("content");
        w.WriteStartObject();
        if (a.IsTool)
        {
            w.WriteStartObject("toolUse");
            w.WriteString("toolUseId", a.ToolCallId);
            w.WriteString("name", a.ToolName);
            w.WritePropertyName("input");
            WriteArgsValue(w, a);
            w.WriteEndObject();
        }
        else
        {
            w.WriteString("text", a.Text);
        }
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("stopReason", a.IsTool ? "tool_use" : "end_turn");
        WriteUsage(w, a);
        WriteMetrics(w, a);
        w.WriteEndObject();
        return SendBufferedAsync(ctx, 200, "application/json", w, buffer, d, dropHalf: d.DropAfter >= 0);
    }

    private static void WriteUsage(Utf8JsonWriter w, Answer a)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("inputTokens", a.PromptTokens);
        w.WriteNumber("outputTokens", a.CompletionTokens);
        w.WriteNumber("totalTokens", a.TotalTokens);
        w.WriteEndObject();
    }

    private static void WriteMetrics(Utf8JsonWriter w, Answer a)
    {
        w.WriteStartObject("metrics");
        w.WriteNumber("latencyMs", a.LatencyMs);
        w.WriteEndObject();
    }

    private Task<bool> StreamAsync(HttpContext ctx, Answer a, Directive d, CancellationToken ct)
    {
        var response = ctx.Response;
        response.StatusCode = 200;
        response.ContentType = d.ContentType ?? EventStreamContentType;
        return new Events(this, response.BodyWriter, a, d).RunAsync(ctx, a.Pieces, d, ct);
    }

    /// <summary>messageStart (and contentBlockStart for a tool call); a contentBlockDelta a piece; contentBlockStop, messageStop, metadata.</summary>
    private sealed class Events(BedrockWire wire, PipeWriter pipe, Answer a, Directive d) : StreamEvents
    {
        protected override async ValueTask WriteStartAsync(CancellationToken ct)
        {
            var w = RentJson(out var buffer);
            w.WriteStartObject();
            w.WriteString("role", "assistant");
            w.WriteEndObject();
            await SendEventAsync(pipe, "messageStart", w, buffer, ct);

            if (a.IsTool)
            {
                w = RentJson(out buffer);
                w.WriteStartObject();
                w.WriteStartObject("start");
                w.WriteStartObject("toolUse");
                w.WriteString("toolUseId", a.ToolCallId);
                w.WriteString("name", a.ToolName);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteNumber("contentBlockIndex", 0);
                w.WriteEndObject();
                await SendEventAsync(pipe, "contentBlockStart", w, buffer, ct);
            }
        }

        protected override async ValueTask WritePieceAsync(string piece, CancellationToken ct)
        {
            var w = RentJson(out var buffer);
            w.WriteStartObject();
            w.WriteNumber("contentBlockIndex", 0);
            w.WriteStartObject("delta");
            if (a.IsTool)
            {
                w.WriteStartObject("toolUse");
                w.WriteString("input", piece);
                w.WriteEndObject();
            }
            else
            {
                w.WriteString("text", piece);
            }
            w.WriteEndObject();
            w.WriteEndObject();
            await SendEventAsync(pipe, "contentBlockDelta", w, buffer, ct);
        }

        protected override async ValueTask WriteFinishAsync(CancellationToken ct)
        {
            var w = RentJson(out var buffer);
            w.WriteStartObject();
            w.WriteNumber("contentBlockIndex", 0);
            w.WriteEndObject();
            await SendEventAsync(pipe, "contentBlockStop", w, buffer, ct);

            w = RentJson(out buffer);
            w.WriteStartObject();
            w.WriteString("stopReason", a.IsTool ? "tool_use" : "end_turn");
            w.WriteEndObject();
            await SendEventAsync(pipe, "messageStop", w, buffer, ct);

            w = RentJson(out buffer);
            w.WriteStartObject();
            WriteUsage(w, a);
            WriteMetrics(w, a);
            w.WriteEndObject();
            await SendEventAsync(pipe, "metadata", w, buffer, ct);
        }

        /// <summary>Mid-stream error as an event-stream exception frame (e.g. <c>throttlingException</c>).</summary>
        protected override async ValueTask WriteErrorAsync(CancellationToken ct)
        {
            var e = wire.StatusError(d.FailsWithStatus ? d.Status : 429);
            var w = RentJson(out var buffer);
            w.WriteStartObject();
            w.WriteString("message", e.Message);
            w.WriteEndObject();
            w.Flush();
            var type = e.Type.Length > 0 ? char.ToLowerInvariant(e.Type[0]) + e.Type[1..] : "internalServerException";
            EventStreamFrame.WriteException(pipe, type, buffer.WrittenSpan);
            ThrowIfClientGone(await pipe.FlushAsync(ct));
        }
    }

    private static async ValueTask SendEventAsync(PipeWriter pipe, string eventType, Utf8JsonWriter w, ArrayBufferWriter<byte> buffer, CancellationToken ct)
    {
        w.Flush();
        EventStreamFrame.WriteEvent(pipe, eventType, buffer.WrittenSpan);
        ct.ThrowIfCancellationRequested();
        ThrowIfClientGone(await pipe.FlushAsync(ct));
    }
}
