using System.Net;
using System.Text;
using OpenTracy.Providers;
using OpenTracy.Wire;

namespace OpenTracy.Tests.Providers.OpenAI;

/// <summary>
/// Upstream answers the mock does not produce, served by a canned in-process handler: how the client
/// translates them. (Loopback behaviour — timeouts, drops, cancellation — is covered against the mock.)
/// </summary>
public class OpenAIResponseTranslationTests
{
    private const string Key = "sk-canned-ECHOED-KEY-42";

    private sealed class CannedHandler(HttpStatusCode status, string body, string? contentType, Action<HttpResponseMessage>? configure = null) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            content.Headers.ContentType = contentType is null ? null : System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
            var response = new HttpResponseMessage(status) { Content = content, RequestMessage = request };
            configure?.Invoke(response);
            return Task.FromResult(response);
        }
    }

    private static (IProviderClient Client, ProviderRequest Request) Setup(HttpStatusCode status, string body, string? contentType, Action<HttpResponseMessage>? configure = null)
    {
        var http = new HttpClient(new CannedHandler(status, body, contentType, configure));
        var client = new ProviderClients(http, new ProviderEnvironment(_ => null)).For(ProviderCatalog.OpenAI);
        var chat = new ChatRequest { Model = "gpt-4o", Messages = [ChatMessage.User("hi")] };
        var endpoint = new ProviderEndpoint(ProviderCatalog.OpenAI, "http://canned.invalid/v1", new ProviderCredentials(new Secret(Key)));
        return (client, new ProviderRequest(endpoint, "gpt-4o", chat, TimeSpan.FromSeconds(10)));
    }

    private static async Task<(List<StreamChunk> Chunks, ProviderException Error)> StreamUntilErrorAsync(IProviderClient client, ProviderRequest request)
    {
        var chunks = new List<StreamChunk>();
        var ex = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (var c in client.StreamAsync(request, CancellationToken.None)) chunks.Add(c);
        });
        return (chunks, ex);
    }

    private const string Chunk = """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}""";

    [Fact]
    public async Task A_key_echoed_in_the_error_body_is_redacted()
    {
        var (client, request) = Setup(HttpStatusCode.Unauthorized,
            $$$"""{"error":{"message":"Incorrect API key provided: {{{Key}}}.","type":"invalid_request_error","code":"invalid_api_key"}}""", "application/json");
        var ex = await Assert.ThrowsAsync<ProviderException>(() => client.CompleteAsync(request, CancellationToken.None));
        Assert.Equal(401, ex.StatusCode);
        Assert.DoesNotContain(Key, ex.ToString());
        Assert.Contains("Incorrect API key provided: [redacted].", ex.ProviderMessage);
        Assert.Contains("[redacted]", ex.Message);
    }

    [Fact]
    public async Task A_key_echoed_in_a_streamed_error_body_is_redacted()
    {
        var (client, request) = Setup(HttpStatusCode.Forbidden, $"key {Key} is not allowed", "text/plain");
        var (_, ex) = await StreamUntilErrorAsync(client, request);
        Assert.Equal(403, ex.StatusCode);
        Assert.DoesNotContain(Key, ex.ToString());
    }

    [Fact]
    public async Task Retry_after_as_a_date_is_honoured()
    {
        var (client, request) = Setup(HttpStatusCode.TooManyRequests, "{}", "application/json",
            r => r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(DateTimeOffset.UtcNow.AddMinutes(2)));
        var ex = await Assert.ThrowsAsync<ProviderException>(() => client.CompleteAsync(request, CancellationToken.None));
        Assert.True(ex.RetryAfter > TimeSpan.FromSeconds(60), $"retry after {ex.RetryAfter}");
        Assert.True(ex.IsRetryable);
    }

    [Fact]
    public async Task Stream_closed_cleanly_without_done_is_a_transport_failure()
    {
        var (client, request) = Setup(HttpStatusCode.OK, $"data: {Chunk}\n\n", "text/event-stream");
        var (chunks, ex) = await StreamUntilErrorAsync(client, request);
        Assert.Single(chunks);
        Assert.Equal(ProviderFailureKind.Transport, ex.Kind);
        Assert.Equal("stream ended before [DONE]", ex.ProviderMessage);
        Assert.True(ex.IsRetryable);
    }

    [Fact]
    public async Task Comments_blank_events_and_event_names_are_tolerated_and_nothing_after_done_is_read()
    {
        var body = $": keep-alive\n\ndata: {Chunk}\n\nevent: message\ndata: {Chunk}\n\ndata:\n\ndata: [DONE]\n\ndata: not json after done\n\n";
        var (client, request) = Setup(HttpStatusCode.OK, body, "text/event-stream; charset=utf-8");
        var chunks = new List<StreamChunk>();
        await foreach (var c in client.StreamAsync(request, CancellationToken.None)) chunks.Add(c);
        Assert.Equal(2, chunks.Count);
        Assert.All(chunks, c => Assert.Equal("hi", c.ContentDelta));
    }

    [Fact]
    public async Task Error_event_by_name_is_a_transport_failure_with_the_providers_text()
    {
        var body = $"data: {Chunk}\n\nevent: error\ndata: {{\"message\":\"upstream overloaded\"}}\n\n";
        var (client, request) = Setup(HttpStatusCode.OK, body, "text/event-stream");
        var (chunks, ex) = await StreamUntilErrorAsync(client, request);
        Assert.Single(chunks);
        Assert.Equal(ProviderFailureKind.Transport, ex.Kind);
        Assert.Contains("upstream overloaded", ex.ProviderMessage);
    }

    [Fact]
    public async Task Non_json_event_quotes_what_came()
    {
        var (client, request) = Setup(HttpStatusCode.OK, "data: <html>oops</html>\n\n", "text/event-stream");
        var (_, ex) = await StreamUntilErrorAsync(client, request);
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
        Assert.Contains("<html>oops</html>", ex.Message);
        Assert.False(ex.IsRetryable);
    }

    [Fact]
    public async Task Completion_without_choices_is_an_invalid_response()
    {
        var (client, request) = Setup(HttpStatusCode.OK, """{"id":"x","object":"chat.completion","choices":[]}""", "application/json");
        var ex = await Assert.ThrowsAsync<ProviderException>(() => client.CompleteAsync(request, CancellationToken.None));
        Assert.Equal(ProviderFailureKind.InvalidResponse, ex.Kind);
        Assert.Contains("no choices", ex.Message);
    }

    [Fact]
    public async Task A_long_garbage_body_is_quoted_only_in_part()
    {
        var garbage = new string('x', 5000);
        var (client, request) = Setup(HttpStatusCode.OK, garbage, "text/html");
        var ex = await Assert.ThrowsAsync<ProviderException>(() => client.CompleteAsync(request, CancellationToken.None));
        Assert.Contains("'text/html'", ex.Message);
        Assert.Contains(new string('x', 200), ex.Message);
        Assert.DoesNotContain(new string('x', 201), ex.Message);
    }

    [Fact]
    public async Task Json_without_a_content_type_is_parsed()
    {
        var (client, request) = Setup(HttpStatusCode.OK,
            """{"id":"x","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"service_tier":"default"}""", null);
        var response = await client.CompleteAsync(request, CancellationToken.None);
        Assert.Equal("ok", response.Content);
        Assert.Equal("default", response.Extra!["service_tier"].GetString());
    }

    [Fact]
    public async Task Json_problem_content_type_counts_as_json()
    {
        var (client, request) = Setup(HttpStatusCode.OK,
            """{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"ok"}}]}""", "application/vnd.api+json");
        Assert.Equal("ok", (await client.CompleteAsync(request, CancellationToken.None)).Content);
    }

    /// <summary>A body that remembers whether it was read to its end.</summary>
    private sealed class TrackingBody(byte[] data) : MemoryStream(data)
    {
        public bool ReachedEnd { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await base.ReadAsync(buffer, cancellationToken);
            if (n == 0 && buffer.Length > 0) ReachedEnd = true;
            return n;
        }
    }

    private sealed class StreamHandler(Stream body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new StreamContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/event-stream");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request });
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Body_is_read_to_its_end_after_done_but_not_when_abandoned(bool abandon)
    {
        // Bytes after [DONE] stand in for a chunked terminator that arrives in a later segment.
        var body = new TrackingBody(Encoding.UTF8.GetBytes($"data: {Chunk}\n\ndata: {Chunk}\n\ndata: [DONE]\n\n" + new string(' ', 10_000)));
        var (_, request) = Setup(HttpStatusCode.OK, "", null);
        var client = new ProviderClients(new HttpClient(new StreamHandler(body)), new ProviderEnvironment(_ => null)).For(ProviderCatalog.OpenAI);
        var seen = 0;
        await foreach (var _ in client.StreamAsync(request, CancellationToken.None))
            if (++seen == 1 && abandon) break;
        Assert.Equal(abandon ? 1 : 2, seen);
        Assert.Equal(!abandon, body.ReachedEnd);
    }
}
