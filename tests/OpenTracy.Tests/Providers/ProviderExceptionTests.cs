using System.Net;
using OpenTracy.Providers;

namespace OpenTracy.Tests.Providers;

public class ProviderExceptionTests
{
    [Theory]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(408, true)]
    [InlineData(409, true)]
    [InlineData(413, false)]
    [InlineData(422, false)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    public void Status_retryability(int status, bool retryable)
    {
        var ex = ProviderException.FromStatus("openai", (HttpStatusCode)status, "body", null);
        Assert.Equal(retryable, ex.IsRetryable);
        Assert.Equal(status, ex.StatusCode);
        Assert.Equal(ProviderFailureKind.HttpStatus, ex.Kind);
        Assert.Equal($"provider openai error (status {status}): body", ex.Message);
    }

    [Theory]
    [InlineData(ProviderFailureKind.Timeout, true)]
    [InlineData(ProviderFailureKind.Transport, true)]
    [InlineData(ProviderFailureKind.InvalidResponse, false)]
    [InlineData(ProviderFailureKind.Configuration, false)]
    public void Kind_retryability(ProviderFailureKind kind, bool retryable)
    {
        Assert.Equal(retryable, new ProviderException("groq", kind, null, "m").IsRetryable);
    }

    [Fact]
    public void Retry_after_and_provider_message_are_kept()
    {
        var ex = ProviderException.FromStatus("azure", HttpStatusCode.TooManyRequests, "{\"error\":{}}", TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(3), ex.RetryAfter);
        Assert.Equal("{\"error\":{}}", ex.ProviderMessage);
        Assert.Equal("azure", ex.Provider);
    }

    [Fact]
    public void Timeout_is_translated_unless_the_caller_cancelled()
    {
        var timeout = ProviderHttpTranslate(new TaskCanceledException(), callerCancelled: false);
        Assert.Equal(ProviderFailureKind.Timeout, Assert.IsType<ProviderException>(timeout).Kind);
        var cancelled = ProviderHttpTranslate(new TaskCanceledException(), callerCancelled: true);
        Assert.IsType<OperationCanceledException>(cancelled);
        var transport = ProviderHttpTranslate(new HttpRequestException("connection refused"), callerCancelled: false);
        Assert.Equal(ProviderFailureKind.Transport, Assert.IsType<ProviderException>(transport).Kind);
    }

    private static Exception ProviderHttpTranslate(Exception ex, bool callerCancelled)
    {
        using var cts = new CancellationTokenSource();
        if (callerCancelled) cts.Cancel();
        return OpenTracy.Providers.Http.ProviderHttp.Translate(ex, "openai", TimeSpan.FromSeconds(1), cts.Token);
    }
}
