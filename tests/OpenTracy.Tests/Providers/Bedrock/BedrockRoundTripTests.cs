using OpenTracy.MockProvider;
using OpenTracy.Providers;
using OpenTracy.Providers.Bedrock;
using OpenTracy.Wire;

namespace OpenTracy.Tests.Providers.Bedrock;

/// <summary>
/// The Bedrock client against the mock provider over loopback. The mock recomputes every SigV4 signature with the
/// shared secret, so each successful call here also proves the signature (incl. the double-encoded canonical URI).
/// </summary>
public sealed class BedrockRoundTripTests : IAsyncLifetime
{
    private const string SecretKey = "mock-secret-access-key/EXAMPLE+KEY";
    private const string NovaLite = "amazon.nova-lite-v1:0";

    private MockProviderServer _mock = null!;
    private readonly HttpClient _http = ProviderClients.CreateHttpClient();
    private BedrockClient _client = null!;

    public async Task InitializeAsync()
    {
        _mock = await MockProviderServer.StartAsync(new MockProviderOptions { AwsSecretAccessKey = SecretKey });
        _client = new BedrockClient(_http);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _mock.DisposeAsync();
    }

    private ProviderRequest Request(string userText, string model = NovaLite, AwsCredentials? aws = null, string? extraJson = null)
    {
        var json = $$"""{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":{{System.Text.Json.JsonSerializer.Serialize(userText)}}}]{{extraJson}}}""";
        return Requests.For(_mock.BaseUrl.ToString().TrimEnd('/'), model, Requests.Parse(json), aws ?? Requests.Credentials(SecretKey));
    }

    private async Task<List<StreamChunk>> Collect(ProviderRequest request, CancellationToken ct = default)
    {
        var chunks = new List<StreamChunk>();
        await foreach (var c in _client.StreamAsync(request, ct)) chunks.Add(c);
        return chunks;
    }

    [Fact]
    public async Task Non_streaming_call_with_a_colon_in_the_model_id_is_signed_and_answered()
    {
        var response = await _client.CompleteAsync(Request("hello there [mock id=br-json]"), CancellationToken.None);

        Assert.Equal("echo: hello there", response.Content?.Trim());
        Assert.Equal(NovaLite, response.Model);
        Assert.StartsWith("bedrock-", response.Id);
        Assert.Equal("stop", response.Choices[0].FinishReason);
        Assert.True(response.Usage!.PromptTokens > 0);
        Assert.Equal(response.Usage.PromptTokens + response.Usage.CompletionTokens, response.Usage.TotalTokens);
        Assert.True(response.Created > 0);

        var recorded = Assert.Single(_mock.GetRequests("br-json"));
        Assert.Equal("/model/amazon.nova-lite-v1%3A0/converse", recorded.Path);
        Assert.Contains("\"system\":[{\"text\":\"Be brief.\"}]", recorded.Body);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDTEST/", recorded.Headers["Authorization"]);
        Assert.DoesNotContain(SecretKey, string.Join("\n", recorded.Headers.Values));
    }

    [Fact]
    public async Task A_wrong_secret_is_rejected_by_the_mock_as_a_bad_signature()
    {
        var ex = await Assert.ThrowsAsync<ProviderException>(() =>
            _client.CompleteAsync(Request("hi", aws: Requests.Credentials("not-the-right-secret")), CancellationToken.None));
        Assert.Equal(403, ex.StatusCode);
        Assert.StartsWith("InvalidSignatureException: ", ex.ProviderMessage);
        Assert.DoesNotContain("not-the-right-secret", ex.Message);
    }

    [Fact]
    public async Task Session_token_and_region_are_signed()
    {
        var aws = new AwsCredentials("ASIATEST", new Secret(SecretKey), "eu-west-3", new Secret("session-token-123"));
        var response = await _client.CompleteAsync(Request("with token [mock id=br-token]", "anthropic.claude-3-haiku-20240307-v1:0", aws), CancellationToken.None);
        Assert.Equal("echo: with token", response.Content?.Trim());
        var headers = Assert.Single(_mock.GetRequests("br-token")).Headers;
        Assert.Equal("session-token-123", headers["x-amz-security-token"]);
        Assert.Contains("/eu-west-3/bedrock/aws4_request", headers["Authorization"]);
    }

    [Fact]
    public async Task Streaming_call_delivers_content_then_a_final_chunk_with_usage()
    {
        var chunks = await Collect(Request("one two three four [mock chunks=4]"));

        Assert.Equal("assistant", chunks[0].Choices[0].Delta.Role);
        Assert.Equal("echo: one two three four", string.Concat(chunks.Select(c => c.ContentDelta)).Trim());
        Assert.Single(chunks.Select(c => c.Id).Distinct());
        var final = chunks[^1];
        Assert.Equal("stop", final.Choices[0].FinishReason);
        Assert.NotNull(final.Usage);
        Assert.True(final.Usage.CompletionTokens > 0);
        Assert.All(chunks[..^1], c => Assert.Null(c.Usage));
        Assert.All(chunks[..^1], c => Assert.Null(c.Choices[0].FinishReason));
    }

    [Fact]
    public async Task Tool_call_json_and_streamed()
    {
        const string directive = """call it [mock tool=get_weather args={"city":"Paris","days":2}]""";
        var tools = ""","tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]""";

        var response = await _client.CompleteAsync(Request(directive, extraJson: tools), CancellationToken.None);
        var call = Assert.Single(response.Choices[0].Message!.ToolCalls!);
        Assert.Equal("get_weather", call.Function!.Name);
        Assert.False(string.IsNullOrEmpty(call.Id));
        Assert.Equal("""{"city":"Paris","days":2}""", call.Function.Arguments);
        Assert.Equal("tool_calls", response.Choices[0].FinishReason);

        var chunks = await Collect(Request(directive, extraJson: tools));
        var calls = chunks.Where(c => c.Choices.Count > 0 && c.Choices[0].Delta.ToolCalls is not null).SelectMany(c => c.Choices[0].Delta.ToolCalls!).ToList();
        Assert.Equal("get_weather", calls[0].Function!.Name);
        Assert.False(string.IsNullOrEmpty(calls[0].Id));
        Assert.Equal("", calls[0].Function!.Arguments); // the header carries the name; the arguments follow as fragments
        Assert.All(calls, c => Assert.Equal(0, c.Index));
        Assert.Equal("""{"city":"Paris","days":2}""", string.Concat(calls.Select(c => c.Function!.Arguments)));
        Assert.Equal("tool_calls", chunks[^1].Choices[0].FinishReason);
        Assert.NotNull(chunks[^1].Usage);
    }

    [Fact]
    public async Task Error_status_carries_status_type_message_and_retry_after()
    {
        var ex = await Assert.ThrowsAsync<ProviderException>(() =>
            _client.CompleteAsync(Request("x [mock status=429 retry-after=7]"), CancellationToken.None));
        Assert.Equal(ProviderFailureKind.HttpStatus, ex.Kind);
        Assert.Equal(429, ex.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), ex.RetryAfter);
        Assert.True(ex.IsRetryable);
        Assert.StartsWith("ThrottlingException: ", ex.ProviderMessage);

        var streamEx = await Assert.ThrowsAsync<ProviderException>(() => Collect(Request("x [mock status=400]")));
        Assert.Equal(400, streamEx.StatusCode);
        Assert.False(streamEx.IsRetryable);
        Assert.StartsWith("ValidationException: ", streamEx.ProviderMessage);
    }

    [Fact]
    public async Task Mid_stream_exception_event_is_a_provider_error()
    {
        var received = new List<StreamChunk>();
        var ex = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (var c in _client.StreamAsync(Request("a b c d [mock chunks=4 error-after=2 status=503]"), CancellationToken.None)) received.Add(c);
        });
        Assert.Equal(503, ex.StatusCode);
        Assert.True(ex.IsRetryable);
        Assert.Contains("serviceUnavailableException", ex.ProviderMessage);
        Assert.Equal(2, received.Count(c => c.ContentDelta is { Length: > 0 }));
    }

    [Fact]
    public async Task Dropped_stream_is_a_transport_failure_after_the_chunks_that_arrived()
    {
        var received = new List<StreamChunk>();
        var ex = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (var c in _client.StreamAsync(Request("a b c d e f [mock chunks=6 drop-after=2]"), CancellationToken.None)) received.Add(c);
        });
        Assert.Equal(ProviderFailureKind.Transport, ex.Kind);
        Assert.True(ex.IsRetryable);
        Assert.Equal(2, received.Count(c => c.ContentDelta is { Length: > 0 }));
    }

    [Fact]
    public async Task Dropped_json_answer_is_a_transport_failure()
    {
        var ex = await Assert.ThrowsAsync<ProviderException>(() => _client.CompleteAsync(Request("x [mock drop-after=0]"), CancellationToken.None));
        Assert.Equal(ProviderFailureKind.Transport, ex.Kind);
    }

    [Fact]
    public async Task Garbage_is_an_invalid_response()
    {
        var streamEx = await Assert.ThrowsAsync<ProviderException>(() => Collect(Request("x [mock garbage=1]")));
        Assert.Equal(ProviderFailureKind.InvalidResponse, streamEx.Kind);
        Assert.Contains("CRC", streamEx.ProviderMessage);

        var jsonEx = await Assert.ThrowsAsync<ProviderException>(() => _client.CompleteAsync(Request("x [mock garbage=1]"), CancellationToken.None));
        Assert.Equal(ProviderFailureKind.InvalidResponse, jsonEx.Kind);
    }

    [Fact]
    public async Task Cancelling_a_stream_aborts_the_upstream_call()
    {
        using var cts = new CancellationTokenSource();
        var received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var c in _client.StreamAsync(Request("a b c d e f g h [mock id=br-cancel chunks=40 chunk-delay-ms=100]"), cts.Token))
            {
                if (c.ContentDelta is { Length: > 0 } && ++received == 1) await cts.CancelAsync();
            }
        });
        await WaitForCancelled("br-cancel");
    }

    [Fact]
    public async Task Cancelling_a_json_call_aborts_the_upstream_call()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _client.CompleteAsync(Request("slow [mock id=br-cancel-json delay-ms=10000]"), cts.Token));
        await WaitForCancelled("br-cancel-json");
    }

    [Fact]
    public async Task Timeout_is_a_retryable_timeout_failure()
    {
        var request = Request("slow [mock delay-ms=5000]") with { Timeout = TimeSpan.FromMilliseconds(200) };
        var ex = await Assert.ThrowsAsync<ProviderException>(() => _client.CompleteAsync(request, CancellationToken.None));
        Assert.Equal(ProviderFailureKind.Timeout, ex.Kind);
        Assert.True(ex.IsRetryable);
    }

    /// <summary>The mock notices the closed connection a moment after the client gives up: poll (no upper bound asserted on time).</summary>
    private async Task WaitForCancelled(string id)
    {
        for (var i = 0; i < 200 && _mock.GetStats(id).Cancelled == 0; i++) await Task.Delay(50);
        var stats = _mock.GetStats(id);
        Assert.Equal(1, stats.Requests);
        Assert.Equal(1, stats.Cancelled);
        Assert.Equal(0, stats.Completed);
    }
}
