using Akka.Streams;
using OpenTracy.Wire;

namespace OpenTracy.Engine.Contracts;

/// <summary>Marker of every message that crosses the network; bound to <see cref="OpenTracyWireSerializer"/>.</summary>
public interface IOpenTracyWireMessage;

/// <summary>
/// Remote client → any node's <c>/user/opentracy-remote</c> (through ClusterClient): run one chat
/// completion. <see cref="Body"/>'s <c>stream</c> decides between <see cref="RemoteAnswered"/> and
/// <see cref="RemoteStreaming"/>; failures answer <see cref="RemoteFailed"/>.
/// </summary>
/// <param name="RequestId">Unique per request, a valid actor name (the client uses a GUID).</param>
public sealed record RemoteComplete(string RequestId, ChatRequest Body) : IOpenTracyWireMessage;

/// <summary>Remote client → every node (SendToAll): the caller gave up; stop the request and cancel its upstream call.</summary>
public sealed record RemoteCancel(string RequestId) : IOpenTracyWireMessage;

/// <summary>Where a request went: deployment, provider, upstream attempts, and the node that served it.</summary>
public sealed record RemoteRoute(string SelectedModel, string Provider, int Attempts, string Node);

/// <summary>The non-streaming answer.</summary>
public sealed record RemoteAnswered(ModelResponse Response, RemoteRoute Route) : IOpenTracyWireMessage;

/// <summary>The streaming answer: a single-shot StreamRef; reading it backpressures the node's upstream read.</summary>
public sealed record RemoteStreaming(ISourceRef<RemoteStreamElement> Chunks, RemoteRoute Route) : IOpenTracyWireMessage;

/// <summary>The request failed (OpenAI-style error body and the HTTP status the edge would have used).</summary>
public sealed record RemoteFailed(int Status, ErrorResponse Error, RemoteRoute? Route) : IOpenTracyWireMessage;

/// <summary>
/// One element of a remote stream: a chunk, or — as the last element — an explicit error (a failure
/// after the first chunk would otherwise arrive only as an opaque stream-ref failure).
/// </summary>
public sealed record RemoteStreamElement(StreamChunk? Chunk, int? ErrorStatus = null, ErrorResponse? Error = null) : IOpenTracyWireMessage
{
    public static RemoteStreamElement Of(StreamChunk chunk) => new(chunk);

    public static RemoteStreamElement Failure(int status, ErrorResponse error) => new(null, status, error);
}
