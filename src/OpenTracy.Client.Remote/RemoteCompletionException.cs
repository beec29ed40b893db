using OpenTracy.Wire;

namespace OpenTracy.Client.Remote;

/// <summary>The cluster answered with an error (the same status and OpenAI-style body the HTTP edge would send), or the connection to it failed.</summary>
public sealed class RemoteCompletionException(int status, ErrorResponse error, Exception? inner = null)
    : Exception(error.Error.Message, inner)
{
    /// <summary>The HTTP status the edge would have used (503 when the cluster could not be reached or a stream broke).</summary>
    public int Status { get; } = status;

    public ErrorResponse Error { get; } = error;
}
