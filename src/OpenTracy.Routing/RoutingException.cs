namespace OpenTracy.Routing;

/// <summary>What went wrong, so the HTTP edge can choose a status without parsing messages.</summary>
public enum RoutingErrorKind
{
    /// <summary>The request is malformed (no prompt, wrong embedding length, ...): 400.</summary>
    InvalidRequest,

    /// <summary>No routing weights are loaded on this node: 400 (specify a model name instead).</summary>
    NotAvailable,

    /// <summary>None of the requested models has a profile: the reference answers 500.</summary>
    NoModels,

    /// <summary>A weights directory could not be loaded (missing files, bad format): 500 on reload.</summary>
    InvalidWeights,
}

/// <summary>A routing failure with a user-facing message (never contains secrets).</summary>
public sealed class RoutingException : Exception
{
    public RoutingException(RoutingErrorKind kind, string message, Exception? inner = null) : base(message, inner)
        => Kind = kind;

    public RoutingErrorKind Kind { get; }
}

/// <summary>The user-facing routing error texts (§7.1, §8.1).</summary>
public static class RoutingErrors
{
    public const string NoModelsAvailable = "no models available for routing";
    public const string PromptOrEmbeddingRequired = "either 'prompt' or 'embedding' is required";
    public const string NoWeightsLoaded =
        "semantic routing not available: no routing weights are loaded (configure a weights directory and reload, or specify a model name)";
    public const string NoWeightsPath =
        "no weights path configured — provide weights_path in body or configure a weights directory";

    public static string EmbeddingDimension(int expected, int actual)
        => $"embedding has {actual} dimensions, the routing weights expect {expected}";

    public static string EmbedderDimension(int weights, int embedder)
        => $"routing weights have {weights}-dimensional centroids but the embedder produces {embedder} dimensions";
}
