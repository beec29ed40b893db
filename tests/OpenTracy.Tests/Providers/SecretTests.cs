using System.Text.Json;
using OpenTracy.Providers;
using OpenTracy.Wire;

namespace OpenTracy.Tests.Providers;

public class SecretTests
{
    private const string Value = "sk-live-DO-NOT-PRINT-1234";

    [Fact]
    public void Secret_never_prints()
    {
        var s = new Secret(Value);
        Assert.Equal("[redacted]", s.ToString());
        Assert.Equal("[redacted]", $"{s}");
        Assert.DoesNotContain(Value, string.Format("{0}", s));
        Assert.Equal(Value, s.Reveal());
    }

    [Fact]
    public void Records_holding_secrets_do_not_print_them()
    {
        var creds = new ProviderCredentials(new Secret(Value));
        var aws = new ProviderCredentials(null, new AwsCredentials("AKIDEXAMPLE", new Secret(Value), "eu-west-1", new Secret(Value + "-token")));
        var endpoint = new ProviderEndpoint(ProviderCatalog.OpenAI, "https://api.openai.com/v1", creds);
        var request = new ProviderRequest(endpoint, "gpt-4o", new ChatRequest { Model = "gpt-4o" }, TimeSpan.FromSeconds(1));
        foreach (var text in new[] { creds.ToString(), aws.ToString(), aws.Aws!.ToString(), endpoint.ToString(), request.ToString() })
            Assert.DoesNotContain(Value, text);
    }

    [Fact]
    public void Fingerprint_is_short_stable_and_not_the_value()
    {
        var a = new Secret(Value);
        Assert.Equal(12, a.Fingerprint.Length);
        Assert.Equal(a.Fingerprint, new Secret(Value).Fingerprint);
        Assert.NotEqual(a.Fingerprint, new Secret(Value + "x").Fingerprint);
        Assert.DoesNotContain(a.Fingerprint, Value);
        Assert.Equal(a.Fingerprint, new ProviderCredentials(a).Fingerprint);
        Assert.Equal("nokey", ProviderCredentials.None.Fingerprint);
    }

    [Fact]
    public void Matches_and_equality()
    {
        var a = new Secret(Value);
        Assert.True(a.Matches(Value));
        Assert.False(a.Matches(Value + "x"));
        Assert.Equal(a, new Secret(Value));
        Assert.NotEqual(a, new Secret("other"));
        Assert.Null(Secret.FromNullable(""));
        Assert.Null(Secret.FromNullable(null));
        Assert.Throws<ArgumentException>(() => new Secret(""));
    }

    [Fact]
    public void Serializing_a_secret_by_accident_does_not_leak_it()
    {
        // A Secret has no public properties, so reflection-based JSON sees an empty object.
        var json = JsonSerializer.Serialize(new Secret(Value), new JsonSerializerOptions { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() });
        Assert.DoesNotContain(Value, json);
    }
}
