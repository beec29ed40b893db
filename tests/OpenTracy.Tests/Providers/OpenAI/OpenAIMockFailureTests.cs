using OpenTracy.Providers;
using OpenTracy.Wire;

namespace OpenTracy.Tests.Providers.OpenAI;

/// <summary>Every way an OpenAI-shaped call can fail, over loopback against the mock, and what the caller sees.</summary>
public class OpenAIMockFailureTests(MockFixture fx) : IClassFixture<MockFixture>
{
    public static TheoryData<string> Styles => MockFixture.Styles;

    private static readonly TimeSpan ShortTimeout = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan CounterWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BodyTimeout = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan ArrivalWait = TimeSpan.FromSeconds(2);

    /// <summary>Warms the path (JIT, connection) so a short budget is spent waiting on the upstream, not on a cold start.</summary>
    private Task WarmUpAsync(string style)
        => fx.Client(style).CompleteAsync(fx.Request(style, $"warm [mock id={MockFixture.NewId("warm")}]"), CancellationToken.None);

    private static void AssertKeyHidden(Exception ex)
        => Assert.DoesNotContain(MockFixture.Key, ex.ToString(), StringComparison.Ordinal);

    private static async Task<(List<StreamChunk> Chunks, Exception Error)> DrainUntilErrorAsync(IAsyncEnumerable<StreamChunk> stream)
    {
        var chunks = new List<StreamChunk>();
        try
        {
            await foreach (var c in stream) chunks.Add(c);
        }
        catch (Exception ex)
        {
            return (chunks, ex);
        }
        throw new Xunit.Sdk.XunitException($"the stream ended normally after {chunks.Count} chunks");
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Rate_limit_with_retry_after(string style)
    {
        var id = MockFixture.NewId("429");
        var ex = await Assert.ThrowsAsync<ProviderException>(() =>
            fx.Client(style).CompleteAsync(fx.Request(style, $"hi [mock id={id} status=429 retry-after=7]"), CancellationToken.None));
        Assert.Equal(ProviderFailureKind.HttpStatus, ex.Kind);
        Assert.Equal(429, ex.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), ex.RetryAfter);
        Assert.True(ex.IsRetryable);
        Assert.Equal(MockFixture.ProviderFor(style).Name, ex.Provider);
        Assert.Contains("rate limit", ex.ProviderMessage, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith($"provider {ex.Provider} error (status 429): {{", ex.Message);
        AssertKeyHidden(ex);
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Streaming_request_rejected_with_a_status(string style)
    {
        var id = MockFixture.NewId("503");
        var (chunks, error) = await DrainUntilErrorAsync(fx.Client(style).StreamAsync(fx.Request(style, $"hi [mock id={id} status=503 retry-after=2]"), CancellationToken.None));
        Assert.Empty(chunks);
        var ex = Assert.IsType<ProviderException>(error);
        Assert.Equal(503, ex.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), ex.RetryAfter);
        Assert.True(ex.IsRetryable);
        AssertKeyHidden(ex);
    }

    [Theory]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(404, false)]
    [InlineData(500, true)]
    public async Task Status_decides_retryability(int status, bool retryable)
    {
        var id = MockFixture.NewId("status");
        var ex = await Assert.ThrowsAsync<ProviderException>(() =>
            fx.Client("openai").CompleteAsync(fx.Request("openai", $"hi [mock id={id} status={status}]"), CancellationToken.None));
        Assert.Equal(status, ex.StatusCode);
        Assert.Equal(retryable, ex.IsRetryable);
        Assert.Null(ex.RetryAfter);
        AssertKeyHidden(ex);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("azure")]
    public async Task Missing_key_reaches_upstream_and_fails_there_with_401(string style)
    {
        var id = MockFixture.NewId("nokey");
        var ex = await Assert.ThrowsAsync<ProviderException>(() =>
            fx.Client(style).CompleteAsync(fx.Request(style, $"hi [mock id={id}]", key: null), CancellationToken.None));
        Assert.Equal(401, ex.StatusCode);
        Assert.False(ex.IsRetryable);
        var recorded = Assert.Single(fx.Mock.GetRequests(id));
        Assert.False(recorded.Headers.ContainsKey("Authorization"));
        Assert.False(recorded.Headers.ContainsKey("api-key"));
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Dropped_stream_is_a_retryable_transport_failure(string style)
    {
        var id = MockFixture.NewId("drop");
        var (chunks, error) = await DrainUntilErrorAsync(fx.Client(style).StreamAsync(fx.Request(style, $"a b c d e [mock id={id} chunks=5 drop-after=2]"), CancellationToken.None));
        Assert.Equal(3, chunks.Count); // role chunk + 2 content chunks
        var ex = Assert.IsType<ProviderException>(error);
        Assert.Equal(ProviderFailureKind.Transport, ex.Kind);
        Assert.Null(ex.StatusCode);
        Assert.True(ex.IsRetryable);
        AssertKeyHidden(ex);
    }

    [Fact]
    public async Task Dropped_json_body_is_a_retryable_transport_failure()
    {
        var id = MockFixture.NewId("dropjson");
        var ex = await Assert.ThrowsAsync<ProviderException>(() =>
            fx.Client("openai").CompleteAsync(fx.Request("openai", $"hi [mock id={id} drop-after=0]"), CancellationToken.None));
        Assert.Equal(ProviderFailureKind.Transport, ex.Kind);
        Assert.True(ex.IsRetryable);
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Error_event_mid_stream_ends_the_stream_with_the_providers_error(string style)
    {
        var id = MockFixture.NewId("errafter");
        var (chunks, error) = await DrainUntilErrorAsync(fx.Client(style).StreamAsync(fx.Request(style, $"a b c [mock id={id} chunks=3 error-after=1 status=503]"), CancellationToken.None));
        Assert.Equal(2, chunks.Count); // role chunk + 1 content chunk
        var ex = Assert.IsType<ProviderException>(error);
        Assert.Equal(ProviderFailureKind.Transport, ex.Kind);
        Assert.Contains("overloaded", ex.ProviderMessage);
        Assert.True(ex.IsRetryable);
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Garbage_json_body_is_an_invalid_response(string style)
    {
        var id = MockFixture.NewId("garbage");
        var ex = await Assert.ThrowsAsync<ProviderException>(() =>
            fx.Client(style).CompleteAsync(fx.Request(style, $"hi [mock id={id} garbage=1]"), CancellationToken.None));
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
        Assert.Equal(200, ex.StatusCode);
        Assert.False(ex.IsRetryable);
        Assert.Contains("this is not json{", ex.Message);
        AssertKeyHidden(ex);
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Garbage_stream_event_is_an_invalid_response(string style)
    {
        var id = MockFixture.NewId("garbagesse");
        var (chunks, error) = await DrainUntilErrorAsync(fx.Client(style).StreamAsync(fx.Request(style, $"hi [mock id={id} garbage=1]"), CancellationToken.None));
        Assert.Empty(chunks);
        var ex = Assert.IsType<ProviderException>(error);
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
        Assert.Contains("{not json", ex.Message);
        Assert.False(ex.IsRetryable);
    }

    [Fact]
    public async Task Non_json_content_type_is_an_invalid_response_quoting_type_and_body()
    {
        var id = MockFixture.NewId("ctype");
        var ex = await Assert.ThrowsAsync<ProviderException>(() =>
            fx.Client("openai").CompleteAsync(fx.Request("openai", $"hi [mock id={id} content-type=text/html]"), CancellationToken.None));
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
        Assert.Contains("'text/html'", ex.Message);
        Assert.Contains("\"chat.completion\"", ex.Message); // the start of what came
    }

    [Fact]
    public async Task Stream_answered_with_a_non_sse_content_type_is_an_invalid_response()
    {
        var id = MockFixture.NewId("ctypesse");
        var (chunks, error) = await DrainUntilErrorAsync(fx.Client("groq").StreamAsync(fx.Request("groq", $"hi [mock id={id} content-type=application/json]"), CancellationToken.None));
        Assert.Empty(chunks);
        var ex = Assert.IsType<ProviderException>(error);
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
        Assert.Contains("'application/json'", ex.Message);
        Assert.Contains("data: {", ex.Message);
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Caller_cancellation_during_delay_cancels_the_upstream_call(string style)
    {
        var id = MockFixture.NewId("cancel");
        using var cts = new CancellationTokenSource();
        var call = fx.Client(style).CompleteAsync(fx.Request(style, $"hi [mock id={id} delay-ms=20000]"), cts.Token);
        Assert.True(await MockFixture.EventuallyAsync(() => fx.Mock.GetStats(id).Requests == 1, CounterWait), "the request never reached the mock");
        await cts.CancelAsync();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.IsNotType<ProviderException>(ex);
        Assert.True(await MockFixture.EventuallyAsync(() => fx.Mock.GetStats(id).Cancelled == 1, CounterWait),
            $"mock never saw the cancellation: {fx.Mock.GetStats(id)}");
        Assert.Equal(0, fx.Mock.GetStats(id).Completed);
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Caller_cancellation_mid_stream_cancels_the_upstream_call(string style)
    {
        var id = MockFixture.NewId("cancelstream");
        using var cts = new CancellationTokenSource();
        var received = 0;
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in fx.Client(style).StreamAsync(fx.Request(style, $"a b c d e f [mock id={id} chunks=6 chunk-delay-ms=400]"), cts.Token))
            {
                if (++received == 2) await cts.CancelAsync();
            }
        });
        Assert.Equal(2, received);
        Assert.True(await MockFixture.EventuallyAsync(() => fx.Mock.GetStats(id).Cancelled == 1, CounterWait),
            $"mock never saw the cancellation: {fx.Mock.GetStats(id)}");
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public async Task Hanging_upstream_times_out(string style)
    {
        await WarmUpAsync(style);
        var id = MockFixture.NewId("hang");
        var started = DateTime.UtcNow;
        var ex = await Assert.ThrowsAsync<ProviderException>(() =>
            fx.Client(style).CompleteAsync(fx.Request(style, $"hi [mock id={id} hang=1]", timeout: ShortTimeout), CancellationToken.None));
        // Timers fire on the OS tick, which may land a few ms before the wall clock says the budget is spent.
        Assert.True(DateTime.UtcNow - started >= ShortTimeout - TimeSpan.FromMilliseconds(30), $"gave up after {DateTime.UtcNow - started}");
        Assert.Equal(ProviderFailureKind.Timeout, ex.Kind);
        Assert.Null(ex.StatusCode);
        Assert.True(ex.IsRetryable);
        AssertKeyHidden(ex);
        // On a loaded machine the mock may not have dequeued the request before the 300 ms budget closed the
        // connection; then it never counts it. Once it has it, the timeout must have cancelled it upstream.
        // (Caller_cancellation_* wait for arrival first and check propagation without this allowance.)
        if (await MockFixture.EventuallyAsync(() => fx.Mock.GetStats(id).Requests == 1, ArrivalWait))
            Assert.True(await MockFixture.EventuallyAsync(() => fx.Mock.GetStats(id).Cancelled == 1, CounterWait),
                $"mock never saw the cancellation: {fx.Mock.GetStats(id)}");
        Assert.Equal(0, fx.Mock.GetStats(id).Completed);
    }

    [Fact]
    public async Task Timeout_covers_the_streamed_body_too()
    {
        await WarmUpAsync("openai");
        var id = MockFixture.NewId("slowstream");
        var (chunks, error) = await DrainUntilErrorAsync(fx.Client("openai").StreamAsync(
            fx.Request("openai", $"a b c d [mock id={id} chunks=4 chunk-delay-ms=5000]", timeout: BodyTimeout), CancellationToken.None));
        Assert.NotEmpty(chunks); // headers and the role chunk came in time; the rest did not
        var ex = Assert.IsType<ProviderException>(error);
        Assert.Equal(ProviderFailureKind.Timeout, ex.Kind);
        Assert.True(ex.IsRetryable);
    }

    [Fact]
    public async Task Connection_refused_is_a_retryable_transport_failure()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there any more
        var request = fx.Request("openai", "hi");
        request = request with { Endpoint = request.Endpoint with { BaseUrl = $"http://127.0.0.1:{port}/v1" } };
        var ex = await Assert.ThrowsAsync<ProviderException>(() => fx.Client("openai").CompleteAsync(request, CancellationToken.None));
        Assert.Equal(ProviderFailureKind.Transport, ex.Kind);
        Assert.True(ex.IsRetryable);
        AssertKeyHidden(ex);
    }
}
