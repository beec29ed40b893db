using System.Text.Json;
using System.Text.Json.Nodes;
using OpenTracy.Providers;
using OpenTracy.Providers.OpenAI;
using OpenTracy.Wire;

namespace OpenTracy.Tests.Providers.OpenAI;

/// <summary>What the clients would put on the wire, checked without a network.</summary>
public class OpenAIRequestTests
{
    private const string Key = "sk-unit-KEY";
    private static readonly HttpClient Http = new();
    private static readonly ProviderEnvironment NoEnv = new(_ => null);

    private static ChatRequest Body(string json) => JsonSerializer.Deserialize(json, WireJson.Default.ChatRequest)!;

    private static ProviderRequest Request(ProviderInfo provider, string baseUrl, string model, ChatRequest body, string? key = Key)
        => new(new ProviderEndpoint(provider, baseUrl, new ProviderCredentials(Secret.FromNullable(key))), model, body, TimeSpan.FromSeconds(5));

    private static JsonObject SentBody(HttpRequestMessage m)
        => JsonNode.Parse(m.Content!.ReadAsStream())!.AsObject();

    private static readonly ChatRequest Simple = Body("""{"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi"}]}""");

    [Theory]
    [InlineData("https://api.openai.com/v1", "https://api.openai.com/v1/chat/completions")]
    [InlineData("https://api.openai.com/v1/", "https://api.openai.com/v1/chat/completions")]
    [InlineData("https://api.groq.com/openai/v1", "https://api.groq.com/openai/v1/chat/completions")]
    [InlineData("https://api.perplexity.ai", "https://api.perplexity.ai/chat/completions")]
    [InlineData("https://generativelanguage.googleapis.com/v1beta/openai", "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions")]
    public void OpenAI_url_is_base_plus_chat_completions(string baseUrl, string expected)
    {
        using var m = new OpenAICompatibleClient(Http, NoEnv).CreateHttpRequest(Request(ProviderCatalog.OpenAI, baseUrl, "gpt-4o", Simple), stream: false);
        Assert.Equal(HttpMethod.Post, m.Method);
        Assert.Equal(expected, m.RequestUri!.ToString());
        Assert.Equal("Bearer " + Key, string.Join(",", m.Headers.GetValues("Authorization")));
        Assert.False(m.Headers.Contains("api-key"));
        Assert.Equal("application/json", m.Content!.Headers.ContentType!.MediaType);
    }

    [Fact]
    public void No_key_no_authorization_header()
    {
        using var m = new OpenAICompatibleClient(Http, NoEnv).CreateHttpRequest(Request(ProviderCatalog.OpenAI, "http://x/v1", "gpt-4o", Simple, key: null), stream: false);
        Assert.False(m.Headers.Contains("Authorization"));
    }

    [Fact]
    public void Azure_url_escapes_the_deployment_and_carries_the_api_version_and_api_key()
    {
        var env = new ProviderEnvironment(n => n == "AZURE_OPENAI_API_VERSION" ? "2025-04-01-preview" : null);
        using var m = new AzureOpenAIClient(Http, env).CreateHttpRequest(Request(ProviderCatalog.Azure, "https://res.openai.azure.com/", "my dep/1", Simple), stream: true);
        Assert.Equal("https://res.openai.azure.com/openai/deployments/my%20dep%2F1/chat/completions?api-version=2025-04-01-preview", m.RequestUri!.AbsoluteUri);
        Assert.Equal(Key, string.Join(",", m.Headers.GetValues("api-key")));
        Assert.False(m.Headers.Contains("Authorization"));
        Assert.Equal("my dep/1", SentBody(m)["model"]!.GetValue<string>());
    }

    [Fact]
    public void Azure_default_api_version()
    {
        using var m = new AzureOpenAIClient(Http, NoEnv).CreateHttpRequest(Request(ProviderCatalog.Azure, "https://res.openai.azure.com", "dep", Simple), stream: false);
        Assert.EndsWith("?api-version=" + ProviderEnvironment.DefaultAzureApiVersion, m.RequestUri!.AbsoluteUri);
    }

    [Fact]
    public void Body_has_bare_model_unknown_fields_and_no_gateway_fields()
    {
        var body = Body("""
            {"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi"}],"seed":3,"user":"u","max_completion_tokens":50,
             "response_format":{"type":"json_object"},"reasoning_effort":"low","fallbacks":["groq/llama-3.3-70b-versatile"],"num_retries":2,
             "stream":true,"stream_options":{"include_usage":true}}
            """);
        using var m = new OpenAICompatibleClient(Http, NoEnv).CreateHttpRequest(Request(ProviderCatalog.OpenAI, "http://x/v1", "gpt-4o", body), stream: false);
        var sent = SentBody(m);
        Assert.Equal("gpt-4o", sent["model"]!.GetValue<string>());
        Assert.Equal(3, sent["seed"]!.GetValue<int>());
        Assert.Equal("u", sent["user"]!.GetValue<string>());
        Assert.Equal(50, sent["max_completion_tokens"]!.GetValue<int>());
        Assert.Equal("json_object", sent["response_format"]!["type"]!.GetValue<string>());
        Assert.Equal("low", sent["reasoning_effort"]!.GetValue<string>());
        Assert.False(sent["stream"]!.GetValue<bool>());
        Assert.False(sent.ContainsKey("stream_options")); // OpenAI rejects stream_options without stream
        Assert.False(sent.ContainsKey("fallbacks"));
        Assert.False(sent.ContainsKey("num_retries"));
    }

    [Theory]
    [InlineData("""{"messages":[]}""")]
    [InlineData("""{"messages":[],"stream_options":{"include_usage":false}}""")]
    [InlineData("""{"messages":[],"stream_options":{"x_other":1}}""")]
    public void Stream_forces_include_usage_and_keeps_other_stream_options(string json)
    {
        using var m = new OpenAICompatibleClient(Http, NoEnv).CreateHttpRequest(Request(ProviderCatalog.OpenAI, "http://x/v1", "gpt-4o", Body(json)), stream: true);
        var sent = SentBody(m);
        Assert.True(sent["stream"]!.GetValue<bool>());
        Assert.True(sent["stream_options"]!["include_usage"]!.GetValue<bool>());
        if (json.Contains("x_other")) Assert.Equal(1, sent["stream_options"]!["x_other"]!.GetValue<int>());
        Assert.Equal("text/event-stream", string.Join(",", m.Headers.GetValues("Accept")));
    }

    [Fact]
    public void The_callers_request_is_not_modified()
    {
        var body = Body("""{"model":"openai/gpt-4o","messages":[],"fallbacks":["x"],"stream_options":{"include_usage":false}}""");
        using var _ = new OpenAICompatibleClient(Http, NoEnv).CreateHttpRequest(Request(ProviderCatalog.OpenAI, "http://x/v1", "gpt-4o", body), stream: true);
        Assert.Equal("openai/gpt-4o", body.Model);
        Assert.Equal(["x"], body.Fallbacks!);
        Assert.False(body.StreamOptions!.IncludeUsage);
    }

    public static TheoryData<ProviderInfo, string, string, string> ConfigurationErrors => new()
    {
        { ProviderCatalog.Azure, "", "dep", "provider azure: endpoint not configured (AZURE_OPENAI_ENDPOINT)" },
        { ProviderCatalog.Azure, "https://res.openai.azure.com", "", "provider azure: model (deployment name) is required" },
        { ProviderCatalog.OpenAI, "", "gpt-4o", "provider openai: no base URL configured (set OPENAI_BASE_URL)" },
        { ProviderCatalog.OpenAI, "ftp://files.example.com", "gpt-4o", "provider openai: invalid upstream URL 'ftp://files.example.com/chat/completions'" },
    };

    [Theory]
    [MemberData(nameof(ConfigurationErrors))]
    public async Task Missing_endpoint_or_deployment_is_a_configuration_error(ProviderInfo provider, string baseUrl, string model, string message)
    {
        var client = new ProviderClients(Http, NoEnv).For(provider);
        var request = Request(provider, baseUrl, model, Simple);
        var ex = await Assert.ThrowsAsync<ProviderException>(() => client.CompleteAsync(request, CancellationToken.None));
        Assert.Equal(ProviderFailureKind.Configuration, ex.Kind);
        Assert.Equal(message, ex.Message);
        Assert.False(ex.IsRetryable);
        var streamed = await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (var _ in client.StreamAsync(request, CancellationToken.None)) { }
        });
        Assert.Equal(message, streamed.Message);
    }

    [Fact]
    public void Registry_serves_openai_compatible_providers_and_azure()
    {
        var clients = new ProviderClients(Http, NoEnv);
        foreach (var p in ProviderCatalog.All.Where(p => p.Format == WireFormat.OpenAI))
            Assert.IsType<OpenAICompatibleClient>(clients.For(p));
        Assert.IsType<AzureOpenAIClient>(clients.For(ProviderCatalog.Azure));
    }
}
