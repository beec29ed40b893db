namespace OpenTracy.Providers.Anthropic;

/// <summary>
/// Anthropic's error types and the HTTP statuses it documents for them. Used for <c>error</c> events that
/// arrive inside a 200 stream, so they retry (or not) exactly like the same error sent as a status.
/// </summary>
internal static class AnthropicErrors
{
    public const int InvalidRequest = 400;
    public const int Authentication = 401;
    public const int Billing = 402;
    public const int Permission = 403;
    public const int NotFound = 404;
    public const int Conflict = 409;
    public const int RequestTooLarge = 413;
    public const int RateLimit = 429;
    public const int Api = 500;
    public const int Timeout = 504;
    public const int Overloaded = 529;

    /// <summary>The status for an error type; unknown types count as an internal error (500, retryable).</summary>
    public static int StatusFor(string? errorType) => errorType switch
    {
        "invalid_request_error" => InvalidRequest,
        "authentication_error" => Authentication,
        "billing_error" => Billing,
        "permission_error" => Permission,
        "not_found_error" => NotFound,
        "conflict_error" => Conflict,
        "request_too_large" => RequestTooLarge,
        "rate_limit_error" => RateLimit,
        "timeout_error" => Timeout,
        "overloaded_error" => Overloaded,
        _ => Api,
    };
}
