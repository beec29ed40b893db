using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace OpenTracy.Providers.Http;

/// <summary>
/// Sends one upstream request with the call's timeout and turns every failure into a
/// <see cref="ProviderException"/>: non-success status (with the provider's body and Retry-After),
/// timeout, or transport error. Caller cancellation is rethrown as <see cref="OperationCanceledException"/>.
/// </summary>
public static class ProviderHttp
{
    /// <summary>Largest error body kept in a message.</summary>
    public const int MaxErrorBodyChars = 4096;

    /// <summary>
    /// Sends and returns a successful response (headers read; body not yet consumed) plus the linked
    /// token source that enforces the timeout for the rest of the body. Dispose both.
    /// <paramref name="describeError"/> (optional) turns a failed response and its body into the provider message
    /// (e.g. Bedrock's <c>x-amzn-ErrorType</c> header plus the body's <c>message</c>); by default the raw body is kept.
    /// </summary>
    public static async Task<UpstreamResponse> SendAsync(HttpClient http, HttpRequestMessage message, string provider,
        TimeSpan timeout, CancellationToken cancellationToken, Func<HttpResponseMessage, string, string>? describeError = null)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        HttpResponseMessage? response = null;
        try
        {
            response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var body = await ReadErrorBodyAsync(response, cts.Token).ConfigureAwait(false);
                if (describeError is not null) body = describeError(response, body);
                throw ProviderException.FromStatus(provider, response.StatusCode, body, RetryAfter(response));
            }
            var ok = new UpstreamResponse(response, cts, provider, timeout, cancellationToken);
            response = null;
            return ok;
        }
        catch (Exception ex) when (ex is not ProviderException)
        {
            throw Translate(ex, provider, timeout, cancellationToken);
        }
        finally
        {
            if (response is not null)
            {
                response.Dispose();
                cts.Dispose();
            }
        }
    }

    /// <summary>Maps an exception raised while talking to the upstream.</summary>
    public static Exception Translate(Exception ex, string provider, TimeSpan timeout, CancellationToken callerToken)
    {
        if (ex is ProviderException) return ex;
        if (ex is OperationCanceledException)
        {
            if (callerToken.IsCancellationRequested) return new OperationCanceledException("request cancelled by the caller", ex, callerToken);
            return new ProviderException(provider, ProviderFailureKind.Timeout, null, $"no complete answer within {timeout.TotalSeconds:0.###}s", null, ex);
        }
        if (ex is HttpRequestException or IOException or SocketException)
            return new ProviderException(provider, ProviderFailureKind.Transport, null, Flatten(ex), null, ex);
        return new ProviderException(provider, ProviderFailureKind.InvalidResponse, null, ex.Message, null, ex);
    }

    public static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var ra = response.Headers.RetryAfter;
        if (ra is null) return null;
        if (ra.Delta is { } d) return d < TimeSpan.Zero ? TimeSpan.Zero : d;
        if (ra.Date is { } date)
        {
            var delta = date - DateTimeOffset.UtcNow;
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }
        return null;
    }

    private static async Task<string> ReadErrorBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            return text.Length > MaxErrorBodyChars ? text[..MaxErrorBodyChars] : text.Trim();
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            return $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
    }

    private static string Flatten(Exception ex)
    {
        var msg = ex.Message;
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
            if (!msg.Contains(inner.Message, StringComparison.Ordinal)) msg += ": " + inner.Message;
        return msg;
    }

    public static bool IsJson(MediaTypeHeaderValue? contentType)
        => contentType?.MediaType is { } mt && (mt.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mt.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
}

/// <summary>A successful upstream response whose body is still to be read under the call's timeout.</summary>
public sealed class UpstreamResponse(HttpResponseMessage response, CancellationTokenSource timeoutScope, string provider, TimeSpan timeout, CancellationToken callerToken) : IDisposable
{
    public HttpResponseMessage Response { get; } = response;

    /// <summary>The provider's registry name (for exceptions raised while reading the body).</summary>
    public string Provider => provider;

    /// <summary>Cancelled by the caller or by the timeout.</summary>
    public CancellationToken Token => timeoutScope.Token;

    /// <summary>Maps a failure while reading the body (cut connection, timeout) to a <see cref="ProviderException"/>.</summary>
    public Exception Translate(Exception ex) => ProviderHttp.Translate(ex, provider, timeout, callerToken);

    public ProviderException Invalid(string message) => new(provider, ProviderFailureKind.InvalidResponse, (int)Response.StatusCode, message);

    public void Dispose()
    {
        Response.Dispose();
        timeoutScope.Dispose();
    }
}
