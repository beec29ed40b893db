using System.Net;

namespace OpenTracy.Providers;

/// <summary>What went wrong on a provider call, at the level the retry policy needs.</summary>
public enum ProviderFailureKind
{
    /// <summary>The provider answered with a non-success HTTP status.</summary>
    HttpStatus,
    /// <summary>The call did not finish within its timeout.</summary>
    Timeout,
    /// <summary>Connection refused, reset, DNS, TLS, or the body was cut off mid-way.</summary>
    Transport,
    /// <summary>The provider answered 200 with something that is not its format.</summary>
    InvalidResponse,
    /// <summary>The request could not be built (missing endpoint, unsupported content).</summary>
    Configuration,
}

/// <summary>
/// The one exception every provider failure becomes. It carries the facts supervision decides on:
/// status, retryable, Retry-After. Its message never contains a credential.
/// </summary>
public sealed class ProviderException : Exception
{
    public ProviderException(string provider, ProviderFailureKind kind, int? statusCode, string providerMessage,
        TimeSpan? retryAfter = null, Exception? inner = null)
        : base(Describe(provider, kind, statusCode, providerMessage), inner)
    {
        Provider = provider;
        Kind = kind;
        StatusCode = statusCode;
        ProviderMessage = providerMessage;
        RetryAfter = retryAfter;
    }

    public string Provider { get; }
    public ProviderFailureKind Kind { get; }

    /// <summary>Upstream HTTP status, or null for transport failures and timeouts.</summary>
    public int? StatusCode { get; }

    /// <summary>The provider's own message (its error body, or the transport error text).</summary>
    public string ProviderMessage { get; }

    /// <summary>Upstream's Retry-After, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>429, 408, 409, 5xx, timeouts and transport failures are worth another attempt; nothing else is.</summary>
    public bool IsRetryable => Kind switch
    {
        ProviderFailureKind.Timeout or ProviderFailureKind.Transport => true,
        ProviderFailureKind.HttpStatus => StatusCode is 408 or 409 or 429 || StatusCode >= 500,
        _ => false,
    };

    private static string Describe(string provider, ProviderFailureKind kind, int? status, string message) => kind switch
    {
        ProviderFailureKind.HttpStatus => $"provider {provider} error (status {status}): {message}",
        ProviderFailureKind.Timeout => $"provider {provider} timed out: {message}",
        ProviderFailureKind.Transport => $"provider {provider} connection failed: {message}",
        ProviderFailureKind.InvalidResponse => $"provider {provider} returned an invalid response: {message}",
        _ => $"provider {provider}: {message}",
    };

    public static ProviderException FromStatus(string provider, HttpStatusCode status, string body, TimeSpan? retryAfter)
        => new(provider, ProviderFailureKind.HttpStatus, (int)status, body, retryAfter);
}
