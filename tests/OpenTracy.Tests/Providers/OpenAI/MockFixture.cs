using System.Text.Json.Nodes;
using OpenTracy.MockProvider;
using OpenTracy.Providers;
using OpenTracy.Wire;

namespace OpenTracy.Tests.Providers.OpenAI;

/// <summary>One mock provider on a loopback port plus the shared upstream HttpClient, for one test class.</summary>
public sealed class MockFixture : IAsyncLifetime
{
    /// <summary>The provider key every request carries; no exception may ever show it.</summary>
    public const string Key = "sk-test-9f8e7d6c5b4a-SECRET";

    public const string AzureDeployment = "my-gpt5 eu";

    /// <summary>The four ways an OpenAI-shaped upstream is addressed.</summary>
    public static readonly TheoryData<string> Styles = new() { "openai", "groq", "perplexity", "azure" };

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public MockProviderServer Mock { get; private set; } = null!;
    public HttpClient Http { get; } = ProviderClients.CreateHttpClient();

    public async Task InitializeAsync() => Mock = await MockProviderServer.StartAsync(new MockProviderOptions());

    public async Task DisposeAsync()
    {
        await Mock.DisposeAsync();
        Http.Dispose();
    }

    public string Base => Mock.BaseUrl.ToString().TrimEnd('/');

    public static ProviderInfo ProviderFor(string style) => style switch
    {
        "openai" => ProviderCatalog.OpenAI,
        "groq" => ProviderCatalog.Groq,
        "perplexity" => ProviderCatalog.Perplexity,
        "azure" => ProviderCatalog.Azure,
        _ => throw new ArgumentOutOfRangeException(nameof(style)),
    };

    /// <summary>Base URLs shaped like the real ones: OpenAI <c>/v1</c>, Groq <c>/openai/v1</c>, Perplexity and Azure none.</summary>
    public string BaseFor(string style) => style switch
    {
        "openai" => Base + "/v1",
        "groq" => Base + "/openai/v1",
        _ => Base,
    };

    /// <summary>The raw path the upstream must see.</summary>
    public static string PathFor(string style) => style switch
    {
        "openai" => "/v1/chat/completions",
        "groq" => "/openai/v1/chat/completions",
        "perplexity" => "/chat/completions",
        "azure" => "/openai/deployments/my-gpt5%20eu/chat/completions",
        _ => throw new ArgumentOutOfRangeException(nameof(style)),
    };

    public static string ModelFor(string style) => style switch
    {
        "openai" => "gpt-4o",
        "groq" => "llama-3.3-70b-versatile",
        "perplexity" => "sonar",
        "azure" => AzureDeployment,
        _ => throw new ArgumentOutOfRangeException(nameof(style)),
    };

    public IProviderClient Client(string style, ProviderEnvironment? environment = null)
        => new ProviderClients(Http, environment ?? new ProviderEnvironment(_ => null)).For(ProviderFor(style));

    public static string NewId(string name) => $"{name}-{Guid.NewGuid():N}";

    /// <summary>A request whose last user message is <paramref name="userText"/>; <paramref name="extra"/> fields are merged into the body.</summary>
    public ProviderRequest Request(string style, string userText, TimeSpan? timeout = null, JsonObject? extra = null, string? key = Key)
    {
        var body = new JsonObject
        {
            ["model"] = ProviderFor(style).Name + "/" + ModelFor(style),
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = userText }),
        };
        if (extra is not null)
            foreach (var (name, value) in extra) body[name] = value?.DeepClone();
        var chat = System.Text.Json.JsonSerializer.Deserialize(body.ToJsonString(), WireJson.Default.ChatRequest)!;
        var credentials = key is null ? ProviderCredentials.None : new ProviderCredentials(new Secret(key));
        var endpoint = new ProviderEndpoint(ProviderFor(style), BaseFor(style), credentials);
        return new ProviderRequest(endpoint, ModelFor(style), chat, timeout ?? DefaultTimeout);
    }

    /// <summary>Polls until <paramref name="condition"/> holds or <paramref name="max"/> passes; returns whether it held.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan max)
    {
        var until = DateTime.UtcNow + max;
        while (!condition())
        {
            if (DateTime.UtcNow > until) return false;
            await Task.Delay(PollInterval);
        }
        return true;
    }
}
