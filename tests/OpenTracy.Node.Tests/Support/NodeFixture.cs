using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using OpenTracy.MockProvider;

namespace OpenTracy.Node.Tests.Support;

/// <summary>
/// One mock provider and one real node (Kestrel on 127.0.0.1:0, Akka on port 0) wired to it through
/// the environment, shared by a test class. Everything stops on dispose.
/// </summary>
public class NodeFixture : IAsyncLifetime
{
    public const string OpenAiKey = "sk-node-test-openai";
    public const string AnthropicKey = "sk-ant-node-test";
    public const string AwsAccessKey = "AKIDNODETEST";
    public const string AwsSecret = "node-test-aws-secret";
    public const long MaxBody = 64 * 1024;
    private static readonly TimeSpan StatsWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    public MockProviderServer Mock { get; private set; } = null!;
    public WebApplication Node { get; private set; } = null!;
    public Uri BaseUrl { get; private set; } = null!;
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>Extra HOCON for this fixture (layered above the files, below the environment).</summary>
    protected virtual string ExtraHocon => "";

    /// <summary>Extra environment for this fixture.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> ExtraEnvironment => [];

    public async Task InitializeAsync()
    {
        Mock = await MockProviderServer.StartAsync(new MockProviderOptions { AwsSecretAccessKey = AwsSecret });
        var mock = Mock.BaseUrl.ToString().TrimEnd('/');
        var env = new Dictionary<string, string?>
        {
            ["OPENTRACY_HTTP_PORT"] = "0",
            ["OPENTRACY_AKKA_PORT"] = "0",
            ["OPENTRACY_OPS_PORT"] = "0",
            ["OPENTRACY_AKKA_HOSTNAME"] = "127.0.0.1",
            ["OPENAI_BASE_URL"] = mock + "/v1",
            ["OPENAI_API_KEY"] = OpenAiKey,
            ["ANTHROPIC_BASE_URL"] = mock,
            ["ANTHROPIC_API_KEY"] = AnthropicKey,
            ["BEDROCK_BASE_URL"] = mock,
            ["AWS_ACCESS_KEY_ID"] = AwsAccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = AwsSecret,
            ["AWS_REGION"] = "us-east-1",
        };
        foreach (var (k, v) in ExtraEnvironment) env[k] = v;
        var hocon = $$"""
            opentracy.http.hostname = "127.0.0.1"
            opentracy.http.max-request-body = {{MaxBody}}
            opentracy.upstream { backoff-base = 20ms, backoff-max = 100ms }
            akka.loglevel = WARNING
            opentracy.observability.traces.path = ""
            {{ExtraHocon}}
            """;
        Node = NodeHost.Build([], env, hocon);
        await Node.StartAsync();
        BaseUrl = new Uri(NodeHost.HttpAddress(Node));
        await WaitUntilReadyAsync();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Node.StopAsync();
        await Node.DisposeAsync();
        await Mock.DisposeAsync();
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + StatsWait;
        while (true)
        {
            using var response = await Http.GetAsync(new Uri(BaseUrl, "/health/ready"));
            if (response.StatusCode == HttpStatusCode.OK) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the node never became ready");
            await Task.Delay(Poll);
        }
    }

    public static string NewId(string scenario) => $"{scenario}-{Guid.NewGuid():N}";

    public Uri Completions => new(BaseUrl, "/v1/chat/completions");

    public static string Body(string model, string userText, bool stream = false, string extra = "")
    {
        var message = new JsonObject { ["role"] = "user", ["content"] = userText };
        var body = new JsonObject { ["model"] = model, ["messages"] = new JsonArray(message) };
        if (stream) body["stream"] = true;
        var json = body.ToJsonString();
        return extra.Length == 0 ? json : json[..^1] + "," + extra + "}";
    }

    public Task<HttpResponseMessage> PostAsync(string json, CancellationToken cancellationToken = default)
        => Http.PostAsync(Completions, new StringContent(json, Encoding.UTF8, "application/json"), cancellationToken);

    public Task<HttpResponseMessage> PostStreamingAsync(string json, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Completions) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>Polls the mock's counters until <paramref name="until"/> holds (or a generous wait ends); returns the last reading.</summary>
    public async Task<MockStats> StatsAsync(string id, Func<MockStats, bool> until)
    {
        var deadline = DateTime.UtcNow + StatsWait;
        while (true)
        {
            var stats = Mock.GetStats(id);
            if (until(stats) || DateTime.UtcNow > deadline) return stats;
            await Task.Delay(Poll);
        }
    }
}
