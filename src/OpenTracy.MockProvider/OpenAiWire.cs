using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace OpenTracy.MockProvider;

/// <summary>OpenAI chat completions (and OpenAI-compatible providers); with <c>azure</c>, the Azure OpenAI flavour.</summary>
internal sealed class OpenAiWire(bool azure) : WireFormat
{
    private const string Fingerprint = "fp_mock0001";
    private const string SseContentType = "text/event-stream";
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();
    private static readonly byte[] GarbageJson = "this is not json{"u8.ToArray();
    private static readonly byte[] GarbageSse = "data: {not json\n\n"u8.ToArray();

    public override string ToolIdPrefix => "call_";

    public override ChatRequest Parse(byte[] body) => ChatRequest.ParseOpenAi(body);

    public override bool IsStream(Route route, ChatRequest request) => request.Stream;

    public override string AnswerModel(Route route, ChatRequest request) =>
        azure ? route.PathModel ?? "" : request.Model ?? "";

    public override ErrorReply? Validate(HttpContext ctx, Route route, ChatRequest request, byte[] body)
    {
        var headers = ctx.Request.Headers;
        if (azure)
        {
            if (string.IsNullOrWhiteSpace(headers["api-key"].ToString()))
            {
                return new ErrorReply(401, "invalid_request_error",
                    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
                    Code: "401");
            }
            if (string.IsNullOrEmpty(ctx.Request.Query["api-version"].ToString()))
            {
                return new ErrorReply(400, "invalid_request_error",
                    "Missing API version. The api-version query parameter (?api-version=) is required for all requests.",
                    Code: "MissingApiVersionParameter");
            }
        }
        else
        {
            var auth = headers.Authorization.ToString();
            if (!auth.StartsWith("Bearer ", StringComparison.Ordinal) || auth.AsSpan(7).Trim().IsEmpty)
            {
                return new ErrorReply(401, "invalid_request_error",
                    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                    Code: "invalid_api_key");
            }
        }
        if (!request.ValidJson)
        {
            return new ErrorReply(400, "invalid_request_error",
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)");
        }
        if (!azure && !request.HasModel)
        {
            return new ErrorReply(400, "invalid_request_error", "you must provide a model parameter");
        }
        if (!request.HasMessages)
        {
            return new ErrorReply(400, "invalid_request_error", "Missing required parameter: 'messages'.", Code: "missing_required_parameter", Param: "messages");
        }
        return null;
    }

    public override ErrorReply StatusError(int status) => status switch
    {
        400 => new ErrorReply(400, "invalid_request_error", "Invalid request (mock).", Code: azure ? "400" : null),
        401 => new ErrorReply(401, "invalid_request_error", "Incorrect API key provided.", Code: azure ? "401" : "invalid_api_key"),
        403 => new ErrorReply(403, "invalid_request_error", "You are not allowed to access this resource.", Code: azure ? "403" : "unsupported_country_region_territory"),
        404 => new ErrorReply(404, "invalid_request_error", "The model does not exist or you do not have access to it.", Code: azure ? "DeploymentNotFound" : "model_not_found"),
        429 => azure
            ? new ErrorReply(429, "requests", "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second.", Code: "429")
            : new ErrorReply(429, "requests", "Rate limit reached for requests in organization org-mock on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s.", Code: "rate_limit_exceeded"),
        500 => new ErrorReply(500, "server_error", "The server had an error while processing your request. Sorry about that!", Code: azure ? "InternalServerError" : null),
        502 => new ErrorReply(502, "server_error", "Bad gateway.", Code: azure ? "502" : null),
        503 => new ErrorReply(503, "server_error", "The engine is currently overloaded, please try again later.", Code: azure ? "ServiceUnavailable" : null),
        504 => new ErrorReply(504, "server_error", "Gateway timeout.", Code: azure ? "504" : null),
        _ => new ErrorReply(status, status >= 500 ? "server_error" : "invalid_request_error", $"Mock error (status {status}).", Code: azure ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : null),
    };

    public override Task WriteErrorAsync(HttpContext ctx, ErrorReply error, Directive d)
    {
        ApplyRetryAfter(ctx, error);
        var w = RentJson(out var buffer);
        w.WriteStartObject();
        w.WriteStartObject("error");
        if (azure)
        {
            w.WriteString("code", error.Code ?? error.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("message", error.Message);
        }
        else
        {
            WriteErrorFields(w, error);
        }
        w.WriteEndObject();
        w.WriteEndObject();
        return SendBufferedAsync(ctx, error.Status, "application/json", w, buffer, d);
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

    public override Task<bool> WriteAnswerAsync(HttpContext ctx, Route route, ChatRequest request, Answer answer, Directive d, CancellationToken ct) =>
        request.Stream ? StreamAsync(ctx, request, answer, d, ct) : JsonAsync(ctx, answer, d);

    private static Task<bool> JsonAsync(HttpContext ctx, Answer a, Directive d)
    {
        var w = RentJson(out var buffer);
        w.WriteStartObject();
        w.WriteString("id", TextTools.RandomId("chatcmpl-"));
        w.WriteString("object", "chat.completion");
        w.WriteNumber("created", UnixNow());
        w.WriteString("model", a.Model);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        if (a.IsTool)
        {
            w.WriteNull("content");
            w.WriteStartArray("tool_calls");
            w.WriteStartObject();
            w.WriteString("id", a.ToolCallId);
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", a.ToolName);
            w.WriteString("arguments", a.ToolArgs);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
        }
        else
        {
            w.WriteString("content", a.Text);
        }
        w.WriteNull("refusal");
        w.WriteEndObject();
        w.WriteNull("logprobs");
        w.WriteString("finish_reason", a.IsTool ? "tool_calls" : "stop");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", a.PromptTokens);
        w.WriteNumber("completion_tokens", a.CompletionTokens);
        w.WriteNumber("total_tokens", a.TotalTokens);
        w.WriteEndObject();
        w.WriteString("system_fingerprint", Fingerprint);
        w.WriteEndObject();
        return SendBufferedAsync(ctx, 200, "application/json", w, buffer, d, dropHalf: d.DropAfter >= 0);
    }

    private Task<bool> StreamAsync(HttpContext ctx, ChatRequest request, Answer a, Directive d, CancellationToken ct) =>
        new Events(this, StartSse(ctx, d, SseContentType), a, d, request.IncludeUsage).RunAsync(ctx, a.Pieces, d, ct);

    /// <summary>A role delta; a content (or tool-argument) delta a piece; a finish chunk, a usage chunk when asked for, <c>[DONE]</c>.</summary>
    private sealed class Events(OpenAiWire wire, SseSink sink, Answer a, Directive d, bool includeUsage) : StreamEvents
    {
        private readonly string _id = TextTools.RandomId("chatcmpl-");
        private readonly long _created = UnixNow();

        protected override async ValueTask WriteStartAsync(CancellationToken ct)
        {
            // role delta (with the tool-call header when answering with a tool call)
            var w = sink.Begin();
            ChunkStart(w, _id, _created, a.Model);
            w.WriteStartObject("delta");
            w.WriteString("role", "assistant");
            if (a.IsTool)
            {
                w.WriteNull("content");
                w.WriteStartArray("tool_calls");
                w.WriteStartObject();
                w.WriteNumber("index", 0);
                w.WriteString("id", a.ToolCallId);
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", a.ToolName);
                w.WriteString("arguments", "");
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndArray();
            }
            else
            {
                w.WriteString("content", "");
            }
            w.WriteEndObject();
            ChunkEnd(w, null, includeUsage);
            await sink.EndAsync(ct);
        }

        protected override async ValueTask WritePieceAsync(string piece, CancellationToken ct)
        {
            var w = sink.Begin();
            ChunkStart(w, _id, _created, a.Model);
            w.WriteStartObject("delta");
            if (a.IsTool)
            {
                w.WriteStartArray("tool_calls");
                w.WriteStartObject();
                w.WriteNumber("index", 0);
                w.WriteStartObject("function");
                w.WriteString("arguments", piece);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndArray();
            }
            else
            {
                w.WriteString("content", piece);
            }
            w.WriteEndObject();
            ChunkEnd(w, null, includeUsage);
            await sink.EndAsync(ct);
        }

        protected override async ValueTask WriteFinishAsync(CancellationToken ct)
        {
            var w = sink.Begin();
            ChunkStart(w, _id, _created, a.Model);
            w.WriteStartObject("delta");
            w.WriteEndObject();
            ChunkEnd(w, a.IsTool ? "tool_calls" : "stop", includeUsage);
            await sink.EndAsync(ct);

            if (includeUsage)
            {
                w = sink.Begin();
                w.WriteStartObject();
                w.WriteString("id", _id);
                w.WriteString("object", "chat.completion.chunk");
                w.WriteNumber("created", _created);
                w.WriteString("model", a.Model);
                w.WriteString("system_fingerprint", Fingerprint);
                w.WriteStartArray("choices");
                w.WriteEndArray();
                w.WriteStartObject("usage");
                w.WriteNumber("prompt_tokens", a.PromptTokens);
                w.WriteNumber("completion_tokens", a.CompletionTokens);
                w.WriteNumber("total_tokens", a.TotalTokens);
                w.WriteEndObject();
                w.WriteEndObject();
                await sink.EndAsync(ct);
            }

            await sink.WriteRawAsync(Done, ct);
        }

        /// <summary>Mid-stream error the way OpenAI sends it: a data event carrying an error object, then the stream ends.</summary>
        protected override async ValueTask WriteErrorAsync(CancellationToken ct)
        {
            var w = sink.Begin();
            w.WriteStartObject();
            w.WriteStartObject("error");
            WriteErrorFields(w, wire.StatusError(d.FailsWithStatus ? d.Status : 500));
            w.WriteEndObject();
            w.WriteEndObject();
            await sink.EndAsync(ct);
        }
    }

    private static void ChunkStart(Utf8JsonWriter w, string id, long created, string model)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "chat.completion.chunk");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
        w.WriteString("system_fingerprint", Fingerprint);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
    }

    private static void ChunkEnd(Utf8JsonWriter w, string? finishReason, bool includeUsage)
    {
        w.WriteNull("logprobs");
        WriteNullableString(w, "finish_reason", finishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        if (includeUsage)
        {
            w.WriteNull("usage");
        }
        w.WriteEndObject();
    }

    /// <summary>The fields of an OpenAI error object.</summary>
    private static void WriteErrorFields(Utf8JsonWriter w, ErrorReply e)
    {
        w.WriteString("message", e.Message);
        w.WriteString("type", e.Type);
        WriteNullableString(w, "param", e.Param);
        WriteNullableString(w, "code", e.Code);
    }

    private static void WriteNullableString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
