using System.Text;
using System.Text.Json;

namespace OpenTracy.Providers.Bedrock;

/// <summary>Bedrock's error shapes → <see cref="ProviderException"/>: HTTP error answers and in-stream exception events.</summary>
public static class BedrockErrors
{
    public const string ErrorTypeHeader = "x-amzn-ErrorType";

    private const int BadRequest = 400;
    private const int Forbidden = 403;
    private const int NotFound = 404;
    private const int RequestTimeout = 408;
    private const int TooManyRequests = 429;
    private const int InternalServerError = 500;
    private const int BadGateway = 502;
    private const int ServiceUnavailable = 503;

    /// <summary>
    /// The provider message for a failed HTTP answer: <c>&lt;ErrorType&gt;: &lt;message&gt;</c> from the
    /// <c>x-amzn-ErrorType</c> header and the body's <c>{"message"}</c>; the raw body when it has no message.
    /// </summary>
    public static string DescribeHttpError(HttpResponseMessage response, string body)
    {
        ArgumentNullException.ThrowIfNull(response);
        var type = response.Headers.TryGetValues(ErrorTypeHeader, out var values) ? ShortType(values.FirstOrDefault()) : null;
        var message = MessageOf(body) ?? body;
        if (string.IsNullOrEmpty(type)) return message;
        return string.IsNullOrEmpty(message) ? type : $"{type}: {message}";
    }

    /// <summary>
    /// An event-stream message whose <c>:message-type</c> is <c>exception</c> or <c>error</c> → the failure it reports.
    /// Throttling is 429 and server-side failures are 5xx (both retryable); validation is 400.
    /// </summary>
    public static ProviderException FromStreamMessage(EventStreamMessage message, string provider)
    {
        ArgumentNullException.ThrowIfNull(message);
        string type;
        string text;
        if (message.MessageType == "error")
        {
            type = message.GetString(EventStreamMessage.ErrorCodeHeader) ?? "error";
            text = message.GetString(EventStreamMessage.ErrorMessageHeader) ?? PayloadText(message);
        }
        else
        {
            type = message.ExceptionType ?? message.EventType ?? "exception";
            text = PayloadText(message);
        }
        var status = StatusOf(type);
        return new ProviderException(provider, ProviderFailureKind.HttpStatus, status, string.IsNullOrEmpty(text) ? type : $"{type}: {text}");
    }

    /// <summary>HTTP status Bedrock uses for an exception type (case-insensitive; unknown types → 500).</summary>
    public static int StatusOf(string exceptionType) => exceptionType.ToLowerInvariant() switch
    {
        "throttlingexception" or "modelnotreadyexception" => TooManyRequests,
        "validationexception" or "servicequotaexceededexception" => BadRequest,
        "accessdeniedexception" => Forbidden,
        "resourcenotfoundexception" => NotFound,
        "modeltimeoutexception" => RequestTimeout,
        "serviceunavailableexception" => ServiceUnavailable,
        "modelstreamerrorexception" => BadGateway,
        _ => InternalServerError, // internalServerException and anything unknown
    };

    private static string PayloadText(EventStreamMessage message)
    {
        if (message.Payload.IsEmpty) return string.Empty;
        var raw = Encoding.UTF8.GetString(message.Payload.Span);
        return MessageOf(raw) ?? raw;
    }

    /// <summary><c>message</c> (or <c>Message</c>) of a JSON error body, or null.</summary>
    private static string? MessageOf(string body)
    {
        if (string.IsNullOrWhiteSpace(body) || body.TrimStart()[0] != '{') return null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            foreach (var name in (ReadOnlySpan<string>)["message", "Message"])
                if (doc.RootElement.TryGetProperty(name, out var m) && m.ValueKind == JsonValueKind.String)
                    return m.GetString();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary><c>ValidationException:http://internal.amazon.com/...</c> → <c>ValidationException</c>.</summary>
    private static string? ShortType(string? headerValue)
    {
        if (string.IsNullOrWhiteSpace(headerValue)) return null;
        var colon = headerValue.IndexOf(':');
        return (colon < 0 ? headerValue : headerValue[..colon]).Trim();
    }
}
