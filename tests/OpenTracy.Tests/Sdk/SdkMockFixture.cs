using OpenTracy.MockProvider;
using OpenTracy.Providers;
using OpenTracy.Sdk;

namespace OpenTracy.Tests.Sdk;

/// <summary>One mock provider on a loopback ephemeral port shared by a test class; clients point at it through the environment.</summary>
public sealed class SdkMockFixture : IAsyncLifetime
{
    public const string AwsAccessKey = "AKIDMOCK";
    public const string AwsSecret = "mock-aws-secret";

    public MockProviderServer Mock { get; private set; } = null!;
    public HttpClient Http { get; } = ProviderClients.CreateHttpClient();

    public string BaseUrl => Mock.BaseUrl.ToString().TrimEnd('/');

    public async Task InitializeAsync() => Mock = await MockProviderServer.StartAsync(new MockProviderOptions { AwsSecretAccessKey = AwsSecret });

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Mock.DisposeAsync();
    }

    /// <summary>Every provider's base URL points at the mock, with keys for openai, anthropic, deepseek, groq and AWS.</summary>
    public ProviderEnvironment DirectEnv(params (string Name, string Value)[] extra)
    {
        var vars = new Dictionary<string, string>
        {
            ["OPENAI_API_KEY"] = "sk-mock", ["ANTHROPIC_API_KEY"] = "ak-mock", ["DEEPSEEK_API_KEY"] = "dk-mock", ["GROQ_API_KEY"] = "gk-mock",
            ["AWS_ACCESS_KEY_ID"] = AwsAccessKey, ["AWS_SECRET_ACCESS_KEY"] = AwsSecret, ["AWS_REGION"] = "us-east-1",
            ["AZURE_OPENAI_ENDPOINT"] = BaseUrl, ["AZURE_OPENAI_API_KEY"] = "az-mock",
        };
        foreach (var p in ProviderCatalog.All)
            if (p.Name is not "azure") vars[p.BaseUrlEnvVar] = p.Name == "anthropic" || p.Name == "bedrock" ? BaseUrl : BaseUrl + "/v1";
        foreach (var (k, v) in extra) vars[k] = v;
        return new ProviderEnvironment(n => vars.GetValueOrDefault(n));
    }

    /// <summary>A client over the real provider clients and the mock.</summary>
    public OpenTracyClient Client(ProviderEnvironment? env = null, TimeProvider? time = null)
        => new(new ProviderClients(Http, env ?? DirectEnv()), time ?? new InstantTimeProvider());

    /// <summary>The same, with a price lookup of the test's choosing (internal constructor).</summary>
    internal OpenTracyClient Client(ProviderEnvironment env, TimeProvider time, PriceLookup price)
    {
        var clients = new ProviderClients(Http, env);
        return new OpenTracyClient(Http, env, clients.For, time, price);
    }

    public IReadOnlyList<RecordedRequest> Requests(string id) => Mock.GetRequests(id);

    /// <summary>The "model" of each recorded request, in arrival order.</summary>
    public string[] RequestedModels(string id)
        => [.. Mock.GetRequests(id).Select(r => System.Text.Json.Nodes.JsonNode.Parse(r.Body)?["model"]?.GetValue<string>() ?? r.Path)];

    public static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];
}
