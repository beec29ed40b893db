using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace OpenTracy.MockProvider.Tests;

public sealed class BedrockTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private const string ModelPath = "/model/amazon.nova-lite-v1%3A0";

    internal static byte[] ConverseBody(string userText) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        messages = new object[] { new { role = "user", content = new object[] { new { text = userText } } } },
        system = new object[] { new { text = "Be kind" } },
        inferenceConfig = new { maxTokens = 100 },
    });

    internal static HttpRequestMessage Request(string path, byte[] body, string host, bool sign = true, string secret = TestSigner.Secret, bool doubleEncode = true)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        req.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (sign)
        {
            TestSigner.Sign(req, body, host, secret, doubleEncode);
        }
        return req;
    }

    private HttpRequestMessage Converse(string text, bool stream = false) =>
        Request($"{ModelPath}/{(stream ? "converse-stream" : "converse")}", ConverseBody(text), fx.Server.BaseUrl.Authority);

    [Fact]
    public async Task Converse_json_answer()
    {
        var id = Wire.NewId("bj");
        using var res = await fx.Http.SendAsync(Converse($"hello bedrock [mock id={id}]"));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var json = Wire.ParseJson(await res.Content.ReadAsStringAsync());
        var message = json["output"]!["message"]!;
        Assert.Equal("assistant", (string)message["role"]!);
        Assert.Equal("echo: hello bedrock", (string)message["content"]![0]!["text"]!);
        Assert.Equal("end_turn", (string)json["stopReason"]!);
        Assert.Equal(2 + 4, (int)json["usage"]!["inputTokens"]!);
        Assert.Equal(3, (int)json["usage"]!["outputTokens"]!);
        Assert.Equal(9, (int)json["usage"]!["totalTokens"]!);
        Assert.True((long)json["metrics"]!["latencyMs"]! >= 0);

        // The path arrives still encoded (the model id is decoded by the mock only for its own use).
        var recorded = fx.Server.GetRequests(id).Single();
        Assert.Equal("/model/amazon.nova-lite-v1%3A0/converse", recorded.Path);
    }

    [Fact]
    public async Task Converse_stream_frames_are_valid_event_stream()
    {
        using var res = await fx.Http.SendAsync(Converse("one two", stream: true));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("application/vnd.amazon.eventstream", res.Content.Headers.ContentType?.MediaType);
        var frames = EventStreamDecoder.Decode(await res.Content.ReadAsByteArrayAsync());
        Assert.All(frames, f =>
        {
            Assert.True(f.PreludeCrcOk, "prelude CRC");
            Assert.True(f.MessageCrcOk, "message CRC");
            Assert.Equal("application/json", f.Headers[":content-type"]);
            Assert.Equal("event", f.Headers[":message-type"]);
        });
        Assert.Equal(
            ["messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"],
            frames.Select(f => f.EventType).ToList());
        Assert.Equal("assistant", (string)frames[0].Json["role"]!);
        var text = string.Concat(frames.Where(f => f.EventType == "contentBlockDelta").Select(f =>
        {
            Assert.Equal(0, (int)f.Json["contentBlockIndex"]!);
            return (string)f.Json["delta"]!["text"]!;
        }));
        Assert.Equal("echo: one two", text);
        Assert.Equal(0, (int)frames[4].Json["contentBlockIndex"]!);
        Assert.Equal("end_turn", (string)frames[5].Json["stopReason"]!);
        var metadata = frames[6].Json;
        Assert.Equal(2 + 2, (int)metadata["usage"]!["inputTokens"]!);
        Assert.Equal(3, (int)metadata["usage"]!["outputTokens"]!);
        Assert.Equal(7, (int)metadata["usage"]!["totalTokens"]!);
        Assert.NotNull(metadata["metrics"]!["latencyMs"]);
    }

    [Fact]
    public async Task Tool_directive_json_and_stream()
    {
        const string args = "{\"city\": \"Paris\"}";
        using var json = await fx.Http.SendAsync(Converse($"weather [mock tool=get_weather args={args}]"));
        var answer = Wire.ParseJson(await json.Content.ReadAsStringAsync());
        Assert.Equal("tool_use", (string)answer["stopReason"]!);
        var toolUse = answer["output"]!["message"]!["content"]![0]!["toolUse"]!;
        Assert.StartsWith("tooluse_", (string)toolUse["toolUseId"]!);
        Assert.Equal("get_weather", (string)toolUse["name"]!);
        Assert.Equal("Paris", (string)toolUse["input"]!["city"]!);

        using var stream = await fx.Http.SendAsync(Converse($"weather [mock tool=get_weather args={args}]", stream: true));
        var frames = EventStreamDecoder.Decode(await stream.Content.ReadAsByteArrayAsync());
        Assert.All(frames, f => Assert.True(f.PreludeCrcOk && f.MessageCrcOk));
        var start = frames.Single(f => f.EventType == "contentBlockStart").Json;
        Assert.Equal(0, (int)start["contentBlockIndex"]!);
        Assert.Equal("get_weather", (string)start["start"]!["toolUse"]!["name"]!);
        Assert.StartsWith("tooluse_", (string)start["start"]!["toolUse"]!["toolUseId"]!);
        var pieces = frames.Where(f => f.EventType == "contentBlockDelta").Select(f => (string)f.Json["delta"]!["toolUse"]!["input"]!).ToList();
        Assert.InRange(pieces.Count, 2, 3);
        Assert.Equal(args, string.Concat(pieces));
        Assert.Equal("tool_use", (string)frames.Single(f => f.EventType == "messageStop").Json["stopReason"]!);
        Assert.Equal("metadata", frames[^1].EventType);
    }

    [Fact]
    public async Task Missing_or_non_sigv4_authorization_is_403_unrecognized_client()
    {
        var body = ConverseBody("hi");
        using var unsigned = await fx.Http.SendAsync(Request($"{ModelPath}/converse", body, fx.Server.BaseUrl.Authority, sign: false));
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
        Assert.Equal("UnrecognizedClientException", unsigned.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.False(string.IsNullOrEmpty((string)Wire.ParseJson(await unsigned.Content.ReadAsStringAsync())["message"]!));

        var bearer = Request($"{ModelPath}/converse", body, fx.Server.BaseUrl.Authority, sign: false);
        bearer.Headers.TryAddWithoutValidation("Authorization", "Bearer abc");
        bearer.Headers.TryAddWithoutValidation("x-amz-date", "20250101T000000Z");
        bearer.Headers.TryAddWithoutValidation("x-amz-content-sha256", TestSigner.Hex(System.Security.Cryptography.SHA256.HashData(body)));
        using var r2 = await fx.Http.SendAsync(bearer);
        Assert.Equal(HttpStatusCode.Forbidden, r2.StatusCode);
    }

    [Fact]
    public async Task Missing_amz_headers_or_wrong_body_hash_is_403()
    {
        var body = ConverseBody("hi");
        var noDate = Request($"{ModelPath}/converse", body, fx.Server.BaseUrl.Authority);
        noDate.Headers.Remove("x-amz-date");
        using var r1 = await fx.Http.SendAsync(noDate);
        Assert.Equal(HttpStatusCode.Forbidden, r1.StatusCode);

        var noSha = Request($"{ModelPath}/converse", body, fx.Server.BaseUrl.Authority);
        noSha.Headers.Remove("x-amz-content-sha256");
        using var r2 = await fx.Http.SendAsync(noSha);
        Assert.Equal(HttpStatusCode.Forbidden, r2.StatusCode);

        var wrongSha = Request($"{ModelPath}/converse", body, fx.Server.BaseUrl.Authority);
        wrongSha.Headers.Remove("x-amz-content-sha256");
        wrongSha.Headers.TryAddWithoutValidation("x-amz-content-sha256", new string('0', 64));
        using var r3 = await fx.Http.SendAsync(wrongSha);
        Assert.Equal(HttpStatusCode.Forbidden, r3.StatusCode);
        Assert.Equal("InvalidSignatureException", r3.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task Status_directive_uses_bedrock_error_shape()
    {
        using var res = await fx.Http.SendAsync(Converse("hi [mock status=429 retry-after=4]"));
        Assert.Equal(HttpStatusCode.TooManyRequests, res.StatusCode);
        Assert.Equal("ThrottlingException", res.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.Equal("4", res.Headers.GetValues("Retry-After").Single());
        Assert.Contains("Too many requests", (string)Wire.ParseJson(await res.Content.ReadAsStringAsync())["message"]!);

        using var stream503 = await fx.Http.SendAsync(Converse("hi [mock status=503]", stream: true));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stream503.StatusCode);
        Assert.Equal("application/json", stream503.Content.Headers.ContentType?.MediaType);
        Assert.Equal("ServiceUnavailableException", stream503.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task Garbage_stream_has_a_frame_with_a_wrong_crc()
    {
        using var res = await fx.Http.SendAsync(Converse("hi [mock garbage=1]", stream: true));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var frames = EventStreamDecoder.Decode(await res.Content.ReadAsByteArrayAsync());
        Assert.Contains(frames, f => !f.PreludeCrcOk || !f.MessageCrcOk);

        using var json = await fx.Http.SendAsync(Converse("hi [mock garbage=1]"));
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(json.Content.ReadAsStringAsync().Result));
    }

    [Fact]
    public async Task Error_after_sends_an_exception_frame()
    {
        using var res = await fx.Http.SendAsync(Converse("a b c [mock error-after=1 status=429]", stream: true));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var frames = EventStreamDecoder.Decode(await res.Content.ReadAsByteArrayAsync());
        var last = frames[^1];
        Assert.True(last.PreludeCrcOk && last.MessageCrcOk);
        Assert.Equal("exception", last.Headers[":message-type"]);
        Assert.Equal("throttlingException", last.Headers[":exception-type"]);
        Assert.False(string.IsNullOrEmpty((string)last.Json["message"]!));
        Assert.Single(frames, f => f.EventType == "contentBlockDelta");
    }

    [Fact]
    public async Task Unknown_bedrock_action_is_404()
    {
        using var res = await fx.Http.SendAsync(Request($"{ModelPath}/invoke", ConverseBody("hi"), fx.Server.BaseUrl.Authority));
        Assert.Equal(HttpStatusCode.NotFound, res.StatusCode);
    }
}

/// <summary>With a configured secret the mock recomputes SigV4 (double-encoded canonical URI, as AWS does for non-S3 services).</summary>
public sealed class BedrockSigV4Tests : IAsyncLifetime
{
    private MockProviderServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await MockProviderServer.StartAsync(new MockProviderOptions { AwsSecretAccessKey = TestSigner.Secret });
        _http = new HttpClient { BaseAddress = _server.BaseUrl };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private string Host => _server.BaseUrl.Authority;

    [Theory]
    [InlineData("converse")]
    [InlineData("converse-stream")]
    public async Task Correctly_signed_request_is_accepted(string action)
    {
        var body = BedrockTests.ConverseBody("signed hello");
        using var res = await _http.SendAsync(BedrockTests.Request($"/model/amazon.nova-lite-v1%3A0/{action}", body, Host));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
    }

    [Fact]
    public async Task Tampered_body_is_rejected_even_with_a_matching_content_hash()
    {
        var body = BedrockTests.ConverseBody("signed hello");
        var req = BedrockTests.Request("/model/amazon.nova-lite-v1%3A0/converse", body, Host);
        var tampered = BedrockTests.ConverseBody("tampered hello");
        req.Content = new ByteArrayContent(tampered);
        req.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        req.Headers.Remove("x-amz-content-sha256");
        req.Headers.TryAddWithoutValidation("x-amz-content-sha256", TestSigner.Hex(System.Security.Cryptography.SHA256.HashData(tampered)));
        using var res = await _http.SendAsync(req);
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.Equal("InvalidSignatureException", res.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.Contains("signature", (string)Wire.ParseJson(await res.Content.ReadAsStringAsync())["message"]!);
    }

    [Fact]
    public async Task Wrong_secret_is_rejected()
    {
        var body = BedrockTests.ConverseBody("hi");
        using var res = await _http.SendAsync(BedrockTests.Request("/model/amazon.nova-lite-v1%3A0/converse", body, Host, secret: "not-the-secret"));
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.Equal("InvalidSignatureException", res.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task Canonical_uri_encoded_only_once_is_rejected()
    {
        var body = BedrockTests.ConverseBody("hi");
        using var res = await _http.SendAsync(BedrockTests.Request("/model/amazon.nova-lite-v1%3A0/converse", body, Host, doubleEncode: false));
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);

        // Without a reserved character in the path, single and double encoding agree.
        using var plain = await _http.SendAsync(BedrockTests.Request("/model/amazon.titan-text/converse", body, Host, doubleEncode: false));
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
    }

    [Fact]
    public async Task Tampered_signed_header_is_rejected()
    {
        var body = BedrockTests.ConverseBody("hi");
        var req = BedrockTests.Request("/model/amazon.nova-lite-v1%3A0/converse", body, Host);
        var date = req.Headers.GetValues("x-amz-date").Single();
        req.Headers.Remove("x-amz-date");
        req.Headers.TryAddWithoutValidation("x-amz-date", date[..^2] + (date[^2] == '0' ? "1" : "0") + "Z");
        using var res = await _http.SendAsync(req);
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
    }
}
