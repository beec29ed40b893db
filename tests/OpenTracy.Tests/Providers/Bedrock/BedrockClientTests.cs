using System.Net;
using OpenTracy.Providers;
using OpenTracy.Providers.Bedrock;

namespace OpenTracy.Tests.Providers.Bedrock;

/// <summary>Client behaviour that needs no upstream: configuration errors before any call, error message shape, registration.</summary>
public class BedrockClientTests
{
    private sealed class CountingHandler : HttpMessageHandler
    {
        public int Calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }

    [Fact]
    public async Task Missing_credentials_fail_with_a_configuration_error_without_calling()
    {
        var handler = new CountingHandler();
        var client = new BedrockClient(new HttpClient(handler));
        var request = Requests.For("http://127.0.0.1:9", "amazon.nova-lite-v1:0", Requests.Parse("""{"messages":[{"role":"user","content":"hi"}]}"""), aws: null);

        var ex = await Assert.ThrowsAsync<ProviderException>(() => client.CompleteAsync(request, CancellationToken.None));
        Assert.Equal(ProviderFailureKind.Configuration, ex.Kind);
        Assert.StartsWith("No AWS credentials for bedrock", ex.ProviderMessage);
        Assert.False(ex.IsRetryable);

        var streamEx = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (var _ in client.StreamAsync(request, CancellationToken.None)) { }
        });
        Assert.Equal(ProviderFailureKind.Configuration, streamEx.Kind);
        Assert.Equal(0, handler.Calls);
    }

    [Fact]
    public async Task Untranslatable_request_fails_before_calling()
    {
        var handler = new CountingHandler();
        var client = new BedrockClient(new HttpClient(handler));
        var body = Requests.Parse("""{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}""");
        var ex = await Assert.ThrowsAsync<ProviderException>(() => client.CompleteAsync(Requests.For("http://127.0.0.1:9", "m", body, Requests.Credentials()), CancellationToken.None));
        Assert.Equal(ProviderFailureKind.Configuration, ex.Kind);
        Assert.Equal(0, handler.Calls);
    }

    [Fact]
    public void Request_is_signed_for_the_credentials_region_and_never_shows_the_secret()
    {
        var client = new BedrockClient(new HttpClient(new CountingHandler()), new FixedTime(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero)));
        var request = Requests.For("https://bedrock-runtime.eu-central-1.amazonaws.com", "amazon.nova-lite-v1:0",
            Requests.Parse("""{"messages":[{"role":"user","content":"hi"}]}"""), Requests.Credentials("very-secret-value", "eu-central-1", "tok"));

        using var message = client.BuildRequest(request, stream: true);

        Assert.Equal("https://bedrock-runtime.eu-central-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse-stream", message.RequestUri!.AbsoluteUri);
        var auth = message.Headers.GetValues("Authorization").Single();
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDTEST/20240102/eu-central-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=", auth);
        Assert.Equal("20240102T030405Z", message.Headers.GetValues("x-amz-date").Single());
        Assert.DoesNotContain("very-secret-value", message.ToString());
        Assert.DoesNotContain("very-secret-value", request.ToString());
    }

    [Fact]
    public void Http_errors_carry_the_error_type_and_the_body_message()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.BadRequest);
        response.Headers.TryAddWithoutValidation("x-amzn-ErrorType", "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/");
        Assert.Equal("ValidationException: The model id is invalid", BedrockErrors.DescribeHttpError(response, """{"message":"The model id is invalid"}"""));

        using var bare = new HttpResponseMessage(HttpStatusCode.BadGateway);
        Assert.Equal("<html>bad gateway</html>", BedrockErrors.DescribeHttpError(bare, "<html>bad gateway</html>"));
    }

    [Fact]
    public void A_key_naming_its_own_region_is_sent_to_that_regions_endpoint()
    {
        var env = new ProviderEnvironment(name => name switch { "AWS_REGION" => "us-east-1", "AWS_ACCESS_KEY_ID" => "AKIDENV", "AWS_SECRET_ACCESS_KEY" => "envsecret", _ => null });
        var keyed = env.Endpoint(ProviderCatalog.Bedrock, apiKey: "AKID:SECRET:eu-west-1");
        Assert.Equal("https://bedrock-runtime.eu-west-1.amazonaws.com", keyed.BaseUrl);
        Assert.Equal("eu-west-1", keyed.Credentials.Aws!.Region);
        Assert.Equal("https://bedrock-runtime.us-east-1.amazonaws.com", env.Endpoint(ProviderCatalog.Bedrock).BaseUrl);

        var mocked = new ProviderEnvironment(name => name == "BEDROCK_BASE_URL" ? "http://127.0.0.1:1234/" : null);
        Assert.Equal("http://127.0.0.1:1234", mocked.Endpoint(ProviderCatalog.Bedrock, apiKey: "AKID:SECRET:eu-west-1").BaseUrl);
        Assert.Equal("http://127.0.0.1:9", env.Endpoint(ProviderCatalog.Bedrock, "http://127.0.0.1:9", "AKID:SECRET:eu-west-1").BaseUrl);
    }

    [Fact]
    public void Registered_for_the_bedrock_wire_format()
        => Assert.IsType<BedrockClient>(new ProviderClients(new HttpClient()).For(ProviderCatalog.Bedrock));
}
