using System.Diagnostics;
using OpenTracy.Engine.Errors;
using OpenTracy.Engine.Requests;
using OpenTracy.Wire;

namespace OpenTracy.Node.Observability;

/// <summary>What the edge learned about one request while handling it (one per request, filled in as it goes).</summary>
public sealed class RequestObservation(string requestId, long startedTimestamp)
{
    public const int ClientClosedStatus = 499;
    public const string ClientClosedCode = "client_closed";

    public string RequestId { get; } = requestId;
    public long StartedTimestamp { get; } = startedTimestamp;
    public string? RequestedModel { get; set; }
    public bool Stream { get; set; }
    public RouteInfo? Route { get; set; }
    public int Status { get; set; } = StatusCodes.Status200OK;
    public Usage? Usage { get; set; }
    public CostInfo? Cost { get; set; }
    public long FirstChunkTimestamp { get; set; }
    public EngineError? Error { get; set; }
    public bool ClientGone { get; set; }

    /// <summary>The routing prompt, cut to <c>max-prompt-chars</c>; set only when prompt capture is on.</summary>
    public string? Prompt { get; set; }
}

/// <summary>
/// Turns a finished <see cref="RequestObservation"/> into metrics, a trace record (queued for the
/// SQLite store), tags on the request span and at most one log line. Singleton, thread-safe.
/// </summary>
public sealed class RequestObserver(GatewayMetrics metrics, TraceStore? store, ILogger<RequestObserver> logger)
{
    public GatewayMetrics Metrics => metrics;

    /// <summary>True when trace records keep the routing prompt (<c>traces.capture-prompts = on</c>).</summary>
    public bool CapturesPrompts => store?.Settings.CapturePrompts == true;

    public RequestObservation Start(string requestId)
    {
        metrics.RequestStarted();
        store?.Open(requestId);
        return new RequestObservation(requestId, Stopwatch.GetTimestamp());
    }

    /// <summary>
    /// Keeps the request's routing prompt (the text semantic routing embeds: the last user message) for its trace
    /// record, cut to <c>max-prompt-chars</c>. Only message text is kept, never headers (keys live there).
    /// </summary>
    public void CapturePrompt(RequestObservation o, IReadOnlyList<ChatMessage>? messages)
    {
        if (!CapturesPrompts || messages is null) return;
        o.Prompt = Truncate(OpenTracy.Routing.RoutingPrompt.FromMessages(messages), store!.Settings.MaxPromptChars);
    }

    /// <summary>At most <paramref name="maxChars"/> UTF-16 characters, never ending in half a surrogate pair.</summary>
    public static string Truncate(string text, int maxChars)
    {
        if (text.Length <= maxChars) return text;
        var cut = char.IsHighSurrogate(text[maxChars - 1]) ? maxChars - 1 : maxChars;
        return text[..cut];
    }

    public void Finish(RequestObservation o, Activity? span)
    {
        metrics.RequestEnded();
        var latencyMs = Stopwatch.GetElapsedTime(o.StartedTimestamp).TotalMilliseconds;
        double? ttftMs = o.FirstChunkTimestamp == 0 ? null : Stopwatch.GetElapsedTime(o.StartedTimestamp, o.FirstChunkTimestamp).TotalMilliseconds;
        var status = o.ClientGone ? RequestObservation.ClientClosedStatus : o.Error?.Status ?? o.Status;
        var errorMessage = o.ClientGone ? "the client closed the request" : o.Error?.Message;
        var errorCode = o.ClientGone ? RequestObservation.ClientClosedCode : o.Error is { } e ? e.Body.Error.Code ?? e.Body.Error.Type : null;
        var record = new TraceRecord(
            o.RequestId, DateTimeOffset.UtcNow, o.RequestedModel, o.Route?.SelectedModel, o.Route?.Provider, o.Stream, status,
            o.Route?.Attempts ?? 0, o.Usage?.PromptTokens ?? 0, o.Usage?.CompletionTokens ?? 0, o.Cost?.TotalCostUsd ?? 0,
            latencyMs, ttftMs, errorMessage, errorCode, o.Prompt);
        metrics.Completed(record);
        store?.TryAdd(record);

        if (span is not null)
        {
            span.SetTag("opentracy.request_id", o.RequestId);
            span.SetTag("opentracy.model", record.Model);
            span.SetTag("opentracy.provider", record.Provider);
            span.SetTag("opentracy.attempts", record.Attempts);
            span.SetTag("http.response.status_code", status);
            if (errorMessage is null) span.SetStatus(ActivityStatusCode.Ok);
            else span.SetStatus(ActivityStatusCode.Error, errorMessage);
        }

        if (o.ClientGone) EdgeLog.ClientGone(logger, o.RequestId);
        else if (errorMessage is not null) EdgeLog.Failed(logger, o.RequestId, status, errorCode, errorMessage, record.Model, record.Provider, record.Attempts);
        else if (logger.IsEnabled(LogLevel.Debug)) EdgeLog.Completed(logger, o.RequestId, status, record.Model, record.Provider, latencyMs, record.Attempts);
    }
}
