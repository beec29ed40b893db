namespace OpenTracy.MockProvider;

/// <summary>Options for <see cref="MockProviderServer.StartAsync"/>.</summary>
public sealed record MockProviderOptions
{
    /// <summary>Port to bind on 127.0.0.1; 0 picks any free port.</summary>
    public int Port { get; init; } = 0;

    /// <summary>When set, Bedrock SigV4 signatures are fully recomputed and verified with this secret.</summary>
    public string? AwsSecretAccessKey { get; init; }
}

/// <summary>Counters of one scenario id (same numbers as <c>GET /_mock/stats?id=ID</c>).</summary>
/// <param name="Id">Scenario id (<c>default</c> when the request had no <c>id=</c> directive).</param>
/// <param name="Requests">Requests received.</param>
/// <param name="Completed">Answers fully written (success or error status).</param>
/// <param name="Cancelled">Requests whose client went away before the answer was finished.</param>
public sealed record MockStats(string Id, long Requests, long Completed, long Cancelled);

/// <summary>One request as received by the mock.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Raw request path exactly as sent (still percent-encoded), without the query.</param>
/// <param name="Query">Raw query string without the leading <c>?</c> ("" when none).</param>
/// <param name="Headers">Request headers (case-insensitive keys; repeated headers joined with ",").</param>
/// <param name="Body">Request body decoded as UTF-8.</param>
public sealed record RecordedRequest(
    string Method,
    string Path,
    string Query,
    IReadOnlyDictionary<string, string> Headers,
    string Body);
