using Akka;
using Akka.Streams.Dsl;
using OpenTracy.Engine.Errors;
using OpenTracy.Wire;

namespace OpenTracy.Engine.Requests;

/// <summary>
/// Edge → <see cref="RequestsSupervisor"/>: run one chat completion. The sender gets exactly one
/// <see cref="ICompletionReply"/>. <paramref name="RequestId"/> names the request's actor, so it must
/// be a valid actor name and unique among requests in flight (the edge uses a GUID).
/// </summary>
public sealed record ChatCompletionRequest(string RequestId, ChatRequest Body)
{
    /// <summary>W3C <c>traceparent</c> of the caller's request span; provider attempts become its children.</summary>
    public string? TraceParent { get; init; }
}

/// <summary>Edge → <see cref="RequestsSupervisor"/>: the client went away; stop the request and cancel its upstream call.</summary>
public sealed record CancelCompletion(string RequestId);

/// <summary>Asks <see cref="RequestsSupervisor"/> how many requests are in flight; the answer is <see cref="InFlightCount"/>.</summary>
public sealed record GetInFlight
{
    public static readonly GetInFlight Instance = new();
}

public sealed record InFlightCount(int Count);

/// <summary>Asks <see cref="RequestsSupervisor"/> for the requests in flight (ops: <c>tracy requests</c>); the answer is <see cref="InFlightRequests"/>.</summary>
public sealed record GetInFlightRequests
{
    public static readonly GetInFlightRequests Instance = new();
}

/// <summary>One request in flight: its id, the model the client asked for, whether it streams, when it started.</summary>
public sealed record InFlightRequest(string RequestId, string Model, bool Stream, DateTimeOffset StartedAt);

public sealed record InFlightRequests(IReadOnlyList<InFlightRequest> Requests);

/// <summary>What happened to a request: which deployment answered, after how many upstream attempts.</summary>
/// <param name="SelectedModel">Model string of the deployment that answered (or was tried last).</param>
/// <param name="Provider">Provider name of that deployment.</param>
/// <param name="Attempts">Upstream calls made, over all candidates.</param>
/// <param name="RoutingMs">Time spent planning the request.</param>
public sealed record RouteInfo(string SelectedModel, string Provider, int Attempts, double RoutingMs);

/// <summary>The one reply to a <see cref="ChatCompletionRequest"/>.</summary>
public interface ICompletionReply;

/// <summary>A non-streaming answer (with <c>cost</c> when the model has a price).</summary>
public sealed record CompletionAnswered(ModelResponse Response, RouteInfo Route) : ICompletionReply;

/// <summary>
/// A streaming answer: the first chunk has arrived, so retries and fallbacks are over. Materialize
/// <paramref name="Chunks"/> once; it backpressures to the upstream read, fails with the provider's
/// error if the upstream breaks later, and ends with the usage chunk when the client asked for one.
/// </summary>
public sealed record CompletionStreaming(Source<StreamChunk, NotUsed> Chunks, RouteInfo Route) : ICompletionReply
{
    /// <summary>Usage and cost of the whole stream, known once it completed (for metrics and trace records).</summary>
    public Observability.StreamTotals? Totals { get; init; }
}

/// <summary>The request failed: a client error found while planning, or the last upstream error once the plan was exhausted.</summary>
public sealed record CompletionFailed(EngineError Error, RouteInfo? Route) : ICompletionReply;
