using System.Diagnostics;

namespace OpenTracy.Node.Observability;

/// <summary>The edge's spans: one <c>chat.completions</c> span per request (the engine adds a child per provider attempt).</summary>
public static class EdgeTelemetry
{
    public const string SourceName = "OpenTracy.Node";
    public const string RequestSpan = "chat.completions";

    public static readonly ActivitySource Source = new(SourceName);
}

/// <summary>Log lines of the edge, source-generated: nothing is formatted unless the level is enabled.</summary>
public static partial class EdgeLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "request {RequestId}: {Status} {Model} via {Provider} in {LatencyMs:F1} ms ({Attempts} attempts)")]
    public static partial void Completed(ILogger logger, string requestId, int status, string? model, string? provider, double latencyMs, int attempts);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "request {RequestId}: {Status} {Code}: {Error} (model {Model}, provider {Provider}, {Attempts} attempts)")]
    public static partial void Failed(ILogger logger, string requestId, int status, string? code, string error, string? model, string? provider, int attempts);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "request {RequestId}: the client went away")]
    public static partial void ClientGone(ILogger logger, string requestId);
}
