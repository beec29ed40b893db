using System.Net;
using System.Net.Sockets;
using OpenTracy.MockProvider;

namespace OpenTracy.Cluster.Tests.Support;

/// <summary>
/// The mock provider (in-process) and three node processes forming one cluster on loopback. Ports are
/// picked up front (the seed list needs the Akka ports). Every process is killed on dispose, also
/// when a test failed. Subclasses add HOCON (rate limits) through <see cref="ExtraHocon"/>.
/// </summary>
public abstract class ClusterFixture : IAsyncLifetime
{
    public const int NodeCount = 3;
    /// <summary>OpenAI-compatible providers the fixtures point at the mock, each with its own key (so each gets its own limiter).</summary>
    public static readonly string[] Providers = ["openai", "groq", "mistral", "deepseek", "together", "fireworks", "cerebras", "sambanova"];
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    // After every node is Up, give the shard regions time to register with the coordinator, so
    // limiter shards spread over all nodes instead of landing on the first one.
    private static readonly TimeSpan RegionSettle = TimeSpan.FromSeconds(3);

    private readonly string _workDir = Path.Combine(Path.GetTempPath(), "opentracy-cluster-" + Guid.NewGuid().ToString("N")[..8]);

    public MockProviderServer Mock { get; private set; } = null!;
    public IReadOnlyList<NodeProcess> Nodes { get; private set; } = [];
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(90) };

    protected abstract string ExtraHocon { get; }

    public static string KeyOf(string provider) => $"sk-cluster-test-{provider}";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_workDir);
        Mock = await MockProviderServer.StartAsync();
        var mock = Mock.BaseUrl.ToString().TrimEnd('/');
        var akkaPorts = FreePorts(NodeCount);
        var httpPorts = FreePorts(NodeCount);
        var seeds = string.Join(',', akkaPorts.Select(p => $"akka.tcp://opentracy@127.0.0.1:{p}"));
        var configFile = Path.Combine(_workDir, "test.conf");
        await File.WriteAllTextAsync(configFile, $$"""
            opentracy.http.hostname = "127.0.0.1"
            akka.loglevel = INFO
            # Quick crash detection for tests: unreachable after ~3 s of silence, downed ~3 s later.
            akka.cluster.failure-detector.acceptable-heartbeat-pause = 3s
            akka.cluster.split-brain-resolver.stable-after = 3s
            {{ExtraHocon}}
            """);
        var nodes = new List<NodeProcess>();
        for (var i = 0; i < NodeCount; i++)
        {
            var env = new Dictionary<string, string>
            {
                ["OPENTRACY_HTTP_PORT"] = httpPorts[i].ToString(),
                ["OPENTRACY_AKKA_PORT"] = akkaPorts[i].ToString(),
                ["OPENTRACY_AKKA_HOSTNAME"] = "127.0.0.1",
                ["OPENTRACY_SEED_NODES"] = seeds,
                ["DOTNET_gcServer"] = "0",
            };
            foreach (var provider in Providers)
            {
                var prefix = provider.ToUpperInvariant();
                env[$"{prefix}_BASE_URL"] = mock + "/v1";
                env[$"{prefix}_API_KEY"] = KeyOf(provider);
            }
            var dir = Path.Combine(_workDir, $"node{i}");
            Directory.CreateDirectory(dir);
            nodes.Add(new NodeProcess($"node{i}", httpPorts[i], akkaPorts[i], env, configFile, dir));
        }
        Nodes = nodes;
        foreach (var node in Nodes) await WaitReadyAsync(node);
        await Task.Delay(RegionSettle);
    }

    public Task DisposeAsync()
    {
        foreach (var node in Nodes) node.Dispose();
        Http.Dispose();
        try
        {
            Directory.Delete(_workDir, recursive: true);
        }
        catch (IOException)
        {
            // A node may still hold a file for a moment; the temp folder is cleaned by the OS.
        }
        return Mock.DisposeAsync().AsTask();
    }

    /// <summary>All node logs (for failure messages).</summary>
    public string Logs(int perNode = 30) => string.Join('\n', Nodes.Select(n => n.Tail(perNode)));

    private async Task WaitReadyAsync(NodeProcess node)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (node.HasExited) throw new InvalidOperationException($"{node.Name} exited with {node.ExitCode}:\n{node.Tail()}");
            try
            {
                using var response = await Http.GetAsync(new Uri(node.BaseUrl, "/health/ready"));
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(Poll);
        }
        throw new TimeoutException($"{node.Name} not ready within {ReadyTimeout}:\n{Logs()}");
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var l in listeners) l.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners) l.Stop();
        return ports;
    }
}
