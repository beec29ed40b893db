using OpenTracy.Models;
using OpenTracy.Providers;
using OpenTracy.Wire;

namespace OpenTracy.Engine.Errors;

/// <summary>
/// A failed request as the edge answers it: HTTP status, OpenAI's error object and, for 429,
/// the Retry-After to pass on. Provider failures keep their status class (behaviour §13.4).
/// </summary>
public sealed record EngineError(int Status, ErrorResponse Body, TimeSpan? RetryAfter = null)
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Authentication = "authentication_error";
    public const string Permission = "permission_error";
    public const string NotFound = "not_found_error";
    public const string RateLimit = "rate_limit_error";
    public const string Api = "api_error";

    public string Message => Body.Error.Message;

    public static EngineError BadRequest(string message, string? param = null, string? code = null)
        => new(400, ErrorResponse.Of(message, InvalidRequest, code, param));

    public static EngineError InvalidBody(string reason, string? param = null)
        => BadRequest($"invalid request body: {reason}", param);

    public static EngineError MessagesRequired() => BadRequest("messages is required", "messages");

    public static EngineError TooLarge(long limit)
        => new(413, ErrorResponse.Of($"request body too large: the limit is {limit} bytes", InvalidRequest, "request_too_large"));

    public static EngineError UnknownModel(string model)
        => new(404, ErrorResponse.Of(OpenTracyErrors.NoProviderFound(model), InvalidRequest, "model_not_found", "model"));

    public static EngineError NotConfigured(string provider, string model)
        => BadRequest(OpenTracyErrors.ProviderNotConfigured(provider, model), "model", "provider_not_configured");

    public static EngineError SemanticRoutingUnavailable()
        => BadRequest(OpenTracyErrors.SemanticRoutingUnavailable, "model", "semantic_routing_unavailable");

    public static EngineError Unauthorized()
        => new(401, ErrorResponse.Of("invalid or missing gateway key: send 'Authorization: Bearer <key>'", Authentication, "invalid_api_key"));

    public static EngineError Timeout(TimeSpan after)
        => new(504, ErrorResponse.Of($"no answer within {after.TotalSeconds:0.###}s", Api, "timeout"));

    public static EngineError Internal(string message) => new(500, ErrorResponse.Of(message, Api, "internal_error"));

    /// <summary>
    /// Maps a provider failure: a provider's 4xx keeps its status (429 with Retry-After), 5xx,
    /// transport and invalid answers become 502, timeouts 504, unbuildable requests 400.
    /// Anything that is not a <see cref="ProviderException"/> is a gateway fault (500).
    /// </summary>
    public static EngineError FromException(Exception error)
    {
        if (error is RateLimiting.PermitUnavailableException limited)
            return new(429, ErrorResponse.Of(limited.Message, RateLimit, "rate_limit_exceeded"), limited.RetryAfter);
        if (error is not ProviderException pe)
            return Internal($"gateway error: {error.GetType().Name}: {error.Message}");
        return pe.Kind switch
        {
            ProviderFailureKind.HttpStatus when pe.StatusCode is >= 400 and < 500 => FromProviderStatus(pe, pe.StatusCode.Value),
            ProviderFailureKind.Timeout => new(504, ErrorResponse.Of(pe.Message, Api, "upstream_timeout")),
            ProviderFailureKind.Configuration => BadRequest(pe.Message, code: "unsupported_request"),
            _ => new(502, ErrorResponse.Of(pe.Message, Api, "upstream_error")),
        };
    }

    private static EngineError FromProviderStatus(ProviderException pe, int status)
    {
        var (type, code) = status switch
        {
            401 => (Authentication, "upstream_authentication"),
            403 => (Permission, "upstream_permission"),
            404 => (NotFound, "upstream_not_found"),
            429 => (RateLimit, "rate_limit_exceeded"),
            _ => (InvalidRequest, "upstream_rejected"),
        };
        return new EngineError(status, ErrorResponse.Of(pe.Message, type, code), status == 429 ? pe.RetryAfter : null);
    }
}
