using OpenTracy.MockProvider;
using OpenTracy.Providers;

namespace OpenTracy.Extensions.AI.Tests;

/// <summary>One mock provider on a loopback ephemeral port for the whole test class.</summary>
public sealed class MockFixture : IAsyncLifetime
{
    public MockProviderServer Mock { get; private set; } = null!;
    public HttpClient Http { get; } = ProviderClients.CreateHttpClient();

    public string BaseUrl => Mock.BaseUrl.ToString().TrimEnd('/');

    public async Task InitializeAsync() => Mock = await MockProviderServer.StartAsync();

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Mock.DisposeAsync();
    }

    /// <summary>An SDK client over the mock: "direct" calls OpenAI at the mock; "engine" treats the mock as the engine.</summary>
    public OpenTracyClient Client(string mode)
    {
        var vars = mode == "engine"
            ? new Dictionary<string, string> { ["OPENTRACY_ENGINE_URL"] = BaseUrl }
            : new Dictionary<string, string> { ["OPENAI_BASE_URL"] = BaseUrl + "/v1", ["OPENAI_API_KEY"] = "sk-mock" };
        return new OpenTracyClient(new ProviderClients(Http, new ProviderEnvironment(n => vars.GetValueOrDefault(n))));
    }
}
