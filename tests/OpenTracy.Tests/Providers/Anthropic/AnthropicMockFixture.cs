using OpenTracy.MockProvider;
using OpenTracy.Providers;
using OpenTracy.Wire;

namespace OpenTracy.Tests.Providers.Anthropic;

/// <summary>One loopback mock provider and one upstream HttpClient shared by the Anthropic round-trip tests.</summary>
public sealed class AnthropicMockFixture : IAsyncLifetime
{
    public const string ApiKey = "sk-ant-test-0123456789abcdef";
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StatsWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StatsPoll = TimeSpan.FromMilliseconds(20);

    public MockProviderServer Mock { get; private set; } = null!;
    public HttpClient Http { get; } = ProviderClients.CreateHttpClient();

    /// <summary>The client as the gateway obtains it: through the registry, by wire format.</summary>
    public IProviderClient Client => new ProviderClients(Http).For(ProviderCatalog.Anthropic);

    public async Task InitializeAsync() => Mock = await MockProviderServer.StartAsync(new MockProviderOptions { Port = 0 });

    public async Task DisposeAsync()
    {
        await Mock.DisposeAsync();
        Http.Dispose();
    }

    public ProviderRequest Request(ChatRequest body, string? apiKey = ApiKey, TimeSpan? timeout = null)
    {
        var credentials = apiKey is null ? ProviderCredentials.None : new ProviderCredentials(new Secret(apiKey));
        var endpoint = new ProviderEndpoint(ProviderCatalog.Anthropic, Mock.BaseUrl.ToString().TrimEnd('/'), credentials);
        return new ProviderRequest(endpoint, AnthropicTestSupport.Model, body, timeout ?? CallTimeout);
    }

    /// <summary>Polls the mock's counters until <paramref name="until"/> holds (or a generous wait ends); returns the last reading.</summary>
    public async Task<MockStats> StatsAsync(string id, Func<MockStats, bool> until)
    {
        var deadline = DateTime.UtcNow + StatsWait;
        while (true)
        {
            var stats = Mock.GetStats(id);
            if (until(stats) || DateTime.UtcNow > deadline) return stats;
            await Task.Delay(StatsPoll);
        }
    }

    public static string NewId(string scenario) => $"{scenario}-{Guid.NewGuid():N}";
}
