using System.Diagnostics;

namespace OpenTracy.Engine.Observability;

/// <summary>
/// OpenTelemetry-compatible tracing of the engine: one <c>provider.attempt</c> span per upstream
/// call, child of the edge's request span (passed as a W3C <c>traceparent</c> string, since actors
/// do not share the edge's async context). Costs nothing when nobody listens (StartActivity gives null).
/// Spans are started and stopped without touching <see cref="Activity.Current"/> of the actor's thread.
/// </summary>
public static class EngineActivity
{
    public const string SourceName = "OpenTracy.Engine";
    public const string AttemptSpan = "provider.attempt";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts an attempt span under <paramref name="traceParent"/>; null when there is no parent or no listener.</summary>
    public static Activity? StartAttempt(string? traceParent, string requestId, string provider, string model, int attempt)
    {
        if (traceParent is null || !Source.HasListeners()) return null;
        if (!ActivityContext.TryParse(traceParent, null, out var parent)) return null;
        var previous = Activity.Current;
        var activity = Source.StartActivity(AttemptSpan, ActivityKind.Client, parent);
        Activity.Current = previous;
        if (activity is null) return null;
        activity.SetTag("opentracy.request_id", requestId);
        activity.SetTag("opentracy.provider", provider);
        activity.SetTag("opentracy.model", model);
        activity.SetTag("opentracy.attempt", attempt);
        return activity;
    }

    /// <summary>Ends an attempt span (null: nothing), with an error status when <paramref name="error"/> is given.</summary>
    public static void Stop(Activity? activity, string? error = null)
    {
        if (activity is null) return;
        if (error is null) activity.SetStatus(ActivityStatusCode.Ok);
        else activity.SetStatus(ActivityStatusCode.Error, error);
        var previous = Activity.Current;
        activity.Stop();
        Activity.Current = previous;
    }
}
