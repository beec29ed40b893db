using System.Net.Http.Headers;
using System.Text;
using OpenTracy.Providers;
using OpenTracy.Providers.Bedrock;

namespace OpenTracy.Tests.Providers.Bedrock;

public class SigV4SignerTests
{
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);
    private static readonly AwsCredentials SuiteCredentials = new("AKIDEXAMPLE", new Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), "us-east-1");

    [Fact]
    public void Get_vanilla_from_the_AWS_test_suite()
    {
        // AWS SigV4 test suite "get-vanilla": GET / on example.amazonaws.com, service "service", region us-east-1, 20150830T123600Z.
        var signer = new SigV4Signer("service", new FixedTime(SuiteTime));
        var sig = signer.Sign("GET", new Uri("https://example.amazonaws.com/"), [], ReadOnlySpan<byte>.Empty, SuiteCredentials, includeContentSha256: false);

        Assert.Equal("20150830T123600Z", sig.AmzDate);
        Assert.Equal("host;x-amz-date", sig.SignedHeaders);
        Assert.Equal("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", sig.Signature);
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            sig.Authorization);
        Assert.StartsWith("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n", sig.CanonicalRequest);
        Assert.DoesNotContain("wJalrXUtnFEMI", sig.ToString());
    }

    [Fact]
    public void A_different_secret_or_time_changes_the_signature()
    {
        var other = new SigV4Signer("service", new FixedTime(SuiteTime.AddSeconds(1)))
            .Sign("GET", new Uri("https://example.amazonaws.com/"), [], ReadOnlySpan<byte>.Empty, SuiteCredentials, includeContentSha256: false);
        Assert.NotEqual("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", other.Signature);
    }

    [Theory]
    [InlineData("/model/amazon.nova-lite-v1%3A0/converse", "/model/amazon.nova-lite-v1%253A0/converse")]
    [InlineData("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream", "/model/anthropic.claude-3-haiku-20240307-v1%253A0/converse-stream")]
    [InlineData("/", "/")]
    [InlineData("", "/")]
    [InlineData("/a b/~x", "/a%20b/~x")]
    public void Canonical_uri_encodes_each_segment_of_the_encoded_path_again(string path, string expected)
        => Assert.Equal(expected, SigV4Signer.CanonicalUri(path));

    [Fact]
    public void Bedrock_request_with_a_colon_in_the_model_id_is_signed_over_the_double_encoded_path()
    {
        var uri = BedrockClient.RequestUri("https://bedrock-runtime.us-east-1.amazonaws.com", "amazon.nova-lite-v1:0", stream: false);
        Assert.Equal("/model/amazon.nova-lite-v1%3A0/converse", uri.AbsolutePath);

        var signer = new SigV4Signer("bedrock", new FixedTime(SuiteTime));
        var sig = signer.Sign("POST", uri, [new("content-type", "application/json")], "{}"u8, SuiteCredentials);
        var lines = sig.CanonicalRequest.Split('\n');
        Assert.Equal("POST", lines[0]);
        Assert.Equal("/model/amazon.nova-lite-v1%253A0/converse", lines[1]);
        Assert.Equal("", lines[2]);
        Assert.Equal("content-type;host;x-amz-content-sha256;x-amz-date", sig.SignedHeaders);
        Assert.Equal("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", sig.PayloadHash); // SHA-256 of "{}"
        Assert.Contains("\n20150830/us-east-1/bedrock/aws4_request\n", sig.StringToSign);
    }

    [Fact]
    public void Canonical_query_is_sorted_by_key_and_strictly_encoded()
        => Assert.Equal("a=1&b=x%20y&c=%2A", SigV4Signer.CanonicalQuery("?c=*&b=x%20y&a=1"));

    [Fact]
    public void Apply_sets_the_signed_headers_and_signs_the_session_token()
    {
        var signer = new SigV4Signer("bedrock", new FixedTime(SuiteTime));
        var body = Encoding.UTF8.GetBytes("{\"messages\":[]}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:5123/model/m/converse") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var creds = new AwsCredentials("AKIDTEST", new Secret("s3cr3t"), "eu-west-1", new Secret("session-token-value"));

        var sig = signer.Apply(request, body, creds);

        Assert.Equal("content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token", sig.SignedHeaders);
        Assert.Equal("127.0.0.1:5123", request.Headers.Host);
        Assert.Equal("20150830T123600Z", request.Headers.GetValues("x-amz-date").Single());
        Assert.Equal(sig.PayloadHash, request.Headers.GetValues("x-amz-content-sha256").Single());
        Assert.Equal("session-token-value", request.Headers.GetValues("x-amz-security-token").Single());
        Assert.Equal(sig.Authorization, request.Headers.GetValues("Authorization").Single());
        Assert.Contains("host:127.0.0.1:5123\n", sig.CanonicalRequest);
        Assert.Contains("Credential=AKIDTEST/20150830/eu-west-1/bedrock/aws4_request", sig.Authorization);
        Assert.DoesNotContain("s3cr3t", sig.Authorization);
    }

    [Fact]
    public void Header_values_are_trimmed_and_inner_spaces_collapsed()
    {
        var signer = new SigV4Signer("service", new FixedTime(SuiteTime));
        var sig = signer.Sign("GET", new Uri("https://example.amazonaws.com/"), [new("My-Header1", "  value1   a  b ")], ReadOnlySpan<byte>.Empty, SuiteCredentials, includeContentSha256: false);
        Assert.Contains("my-header1:value1 a b\n", sig.CanonicalRequest);
        Assert.Equal("host;my-header1;x-amz-date", sig.SignedHeaders);
    }

    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(Crc32.Compute("123456789"u8), Crc32.Append(Crc32.Compute("1234"u8), "56789"u8));
        Assert.Equal(0u, Crc32.Compute([]));
    }
}
