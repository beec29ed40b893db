using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace OpenTracy.MockProvider;

/// <summary>Anthropic Messages API (<c>POST /v1/messages</c>).</summary>
internal sealed class AnthropicWire : WireFormat
{
    private const string SseContentType = "text/event-stream; charset=utf-8";
    private static readonly byte[] GarbageJson = "this is not json{"u8.ToArray();
    private static readonly byte[] GarbageSse = "event: message_start\ndata: {not json\n\n"u8.ToArray();

    public override string ToolIdPrefix => "toolu_01";

    public override ChatRequest Parse(byte[] body) => ChatRequest.ParseAnthropic(body);

    public override bool IsStream(Route route, ChatRequest request) => request.Stream;

    public override string AnswerModel(Route route, ChatRequest request) => request.Model ?? "";

    public override ErrorReply? Validate(HttpContext ctx, Route route, ChatRequest request, byte[] body)
    {
        var headers = ctx.Request.Headers;
        if (string.IsNullOrWhiteSpace(headers["x-api-key"].ToString()))
        {
            return new ErrorReply(401, "authentication_error", "x-api-key header is required");
        }
        if (string.IsNullOrWhiteSpace(headers["anthropic-version"].ToString()))
        {
            return new ErrorReply(400, "invalid_request_error", "anthropic-version: header is required");
        }
        if (!request.ValidJson)
        {
            return new ErrorReply(400, "invalid_request_error", "There was an error parsing the body of your request as JSON.");
        }
        if (!request.HasModel)
        {
            return new ErrorReply(400, "invalid_request_error", "model: Field required");
        }
        if (!request.HasMaxTokens)
        {
            return new ErrorReply(400, "invalid_request_error", "max_tokens: Field required");
        }
        if (!request.HasMessages)
        {
            return new ErrorReply(400, "invalid_request_error", "messages: Field required");
        }
        return null;
    }

    public override ErrorReply StatusError(int status) => status switch
    {
        400 => new ErrorReply(400, "invalid_request_error", "Invalid request (mock)."),
        401 => new ErrorReply(401, "authentication_error", "invalid x-api-key"),
        403 => new ErrorReply(403, "permission_error", "Your API key does not have permission to use the specified resource."),
        404 => new ErrorReply(404, "not_found_error", "The requested resource could not be found."),
        413 => new ErrorReply(413, "request_too_large", "Request exceeds the maximum allowed number of bytes."),
        429 => new ErrorReply(429, "rate_limit_error", "This request would exceed the rate limit for your organization of 50 requests per minute. Please try again later."),
        500 => new ErrorReply(500, "api_error", "Internal server error"),
        503 or 529 => new ErrorReply(status, "overloaded_error", "Overloaded"),
        _ => new ErrorReply(status, status >= 500 ? "api_error" : "invalid_request_error", $"Mock error (status {status})."),
    };

    public override Task WriteErrorAsync(HttpContext ctx, ErrorReply error, Directive d)
    {
        ApplyRetryAfter(ctx, error);
        ctx.Response.Headers["request-id"] = TextTools.RandomId("req_011");
        var w = RentJson(out var buffer);
        WriteErrorObject(w, error);
        return SendBufferedAsync(ctx, error.Status, "application/json", w, buffer, d);
    }

    private static void WriteErrorObject(Utf8JsonWriter w, ErrorReply error)
    {
        w.WriteStartObject();
        w.WriteString("type", "error");
        w.WriteStartObject("error");
        w.WriteString("type", error.Type);
        w.WriteString("message", error.Message);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public override async Task WriteGarbageAsync(HttpContext ctx, Route route, ChatRequest request, Directive d)
    {
        if (request.Stream)
        {
            await StartSse(ctx, d, SseContentType).WriteRawAsync(GarbageSse, ctx.RequestAborted);
            return;
        }
        await SendRawAsync(ctx, 200, "application/json", GarbageJson, d);
    }

    public override Task<bool> WriteAnswerAsync(HttpContext ctx, Route route, ChatRequest request, Answer answer, Directive d, CancellationToken ct)
    {
        ctx.Response.Headers["request-id"] = TextTools.RandomId("req_011");
        return request.Stream ? StreamAsync(ctx, answer, d, ct) : JsonAsync(ctx, answer, d);
    }

    private static Task<bool> JsonAsync(HttpContext ctx, Answer a, Directive d)
    {
        var w = RentJson(out var buffer);
        w.WriteStartObject();
        w.WriteString("id", TextTools.RandomId("msg_01"));
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", a.Model);
        w.WriteStartArray("content");
        w.WriteStartObject();
        if (a.IsTool)
        {
            w.WriteString("type", "tool_use");
            w.WriteString("id", a.ToolCallId);
            w.WriteString("name", a.ToolName);
            w.WritePropertyName("input");
            WriteArgsValue(w, a);
        }
        else
        {
            w.WriteString("type", "text");
            w.WriteString("text", a.Text);
        }
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("stop_reason", a.IsTool ? "tool_use" : "end_turn");
        w.WriteNull("stop_sequence");
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", a.PromptTokens);
        w.WriteNumber("output_tokens", a.CompletionTokens);
        w.WriteEndObject();
        w.WriteEndObject();
        return SendBufferedAsync(ctx, 200, "application/json", w, buffer, d, dropHalf: d.DropAfter >= 0);
    }

    private Task<bool> StreamAsync(HttpContext ctx, Answer a, Directive d, CancellationToken ct) =>
        new Events(this, StartSse(ctx, d, SseContentType), a, d).RunAsync(ctx, a.Pieces, d, ct);

    /// <summary>Starts an event whose data is an object led by <c>"type":</c> the event name, as every Anthropic event is.</summary>
    private static Utf8JsonWriter BeginEvent(SseSink sink, string type)
    {
        var w = sink.Begin(type);
        w.WriteStartObject();
        w.WriteString("type", type);
        return w;
    }

    /// <summary>message_start, content_block_start, ping; a content_block_delta a piece; content_block_stop, message_delta, message_stop.</summary>
    private sealed class Events(AnthropicWire wire, SseSink sink, Answer a, Directive d) : StreamEvents
    {
        protected override async ValueTask WriteStartAsync(CancellationToken ct)
        {
            var w = BeginEvent(sink, "message_start");
            w.WriteStartObject("message");
            w.WriteString("id", TextTools.RandomId("msg_01"));
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteString("model", a.Model);
            w.WriteStartArray("content");
            w.WriteEndArray();
            w.WriteNull("stop_reason");
            w.WriteNull("stop_sequence");
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", a.PromptTokens);
            w.WriteNumber("output_tokens", 1);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            await sink.EndAsync(ct);

            w = BeginEvent(sink, "content_block_start");
            w.WriteNumber("index", 0);
            w.WriteStartObject("content_block");
            if (a.IsTool)
            {
                w.WriteString("type", "tool_use");
                w.WriteString("id", a.ToolCallId);
                w.WriteString("name", a.ToolName);
                w.WriteStartObject("input");
                w.WriteEndObject();
            }
            else
            {
                w.WriteString("type", "text");
                w.WriteString("text", "");
            }
            w.WriteEndObject();
            w.WriteEndObject();
            await sink.EndAsync(ct);

            w = BeginEvent(sink, "ping");
            w.WriteEndObject();
            await sink.EndAsync(ct);
        }

        protected override async ValueTask WritePieceAsync(string piece, CancellationToken ct)
        {
            var w = BeginEvent(sink, "content_block_delta");
            w.WriteNumber("index", 0);
            w.WriteStartObject("delta");
            if (a.IsTool)
            {
                w.WriteString("type", "input_json_delta");
                w.WriteString("partial_json", piece);
            }
            else
            {
                w.WriteString("type", "text_delta");
                w.WriteString("text", piece);
            }
            w.WriteEndObject();
            w.WriteEndObject();
            await sink.EndAsync(ct);
        }

        protected override async ValueTask WriteFinishAsync(CancellationToken ct)
        {
            var w = BeginEvent(sink, "content_block_stop");
            w.WriteNumber("index", 0);
            w.WriteEndObject();
            await sink.EndAsync(ct);

            w = BeginEvent(sink, "message_delta");
            w.WriteStartObject("delta");
            w.WriteString("stop_reason", a.IsTool ? "tool_use" : "end_turn");
            w.WriteNull("stop_sequence");
            w.WriteEndObject();
            w.WriteStartObject("usage");
            w.WriteNumber("output_tokens", a.CompletionTokens);
            w.WriteEndObject();
            w.WriteEndObject();
            await sink.EndAsync(ct);

            w = BeginEvent(sink, "message_stop");
            w.WriteEndObject();
            await sink.EndAsync(ct);
        }

        /// <summary>Mid-stream error the way Anthropic sends it: an <c>error</c> event, then the stream ends.</summary>
        protected override async ValueTask WriteErrorAsync(CancellationToken ct)
        {
            var w = sink.Begin("error");
            WriteErrorObject(w, wire.StatusError(d.FailsWithStatus ? d.Status : 529));
            await sink.EndAsync(ct);
        }
    }
}
