using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OpenTracy.Cluster.Support;

/// <summary>
/// One real node process (<c>dotnet OpenTracy.Node.dll</c>) on loopback with its own free ports,
/// configured through the environment variables of contracts.md. Killed (whole tree) on dispose.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    public const string OpenAiKey = "sk-remote-test-openai";
    private static readonly TimeSpan ReadyWait = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeProcess(Process process, int httpPort, int opsPort, int akkaPort)
    {
        _process = process;
        HttpPort = httpPort;
        OpsPort = opsPort;
        AkkaPort = akkaPort;
    }

    public int HttpPort { get; }
    public int OpsPort { get; }
    public int AkkaPort { get; }
    public string AkkaAddress => $"akka.tcp://opentracy@127.0.0.1:{AkkaPort}";
    public string OpsEndpoint => $"127.0.0.1:{OpsPort}";
    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <param name="seed">Address of the node to join; null = this node seeds itself.</param>
    public static async Task<NodeProcess> StartAsync(Uri mockBaseUrl, string? seed = null, string? extraConfig = null)
    {
        var (http, ops, akka) = (FreePort(), FreePort(), FreePort());
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Paths.NodeDll);
        if (extraConfig is not null)
        {
            var file = Path.Combine(Path.GetTempPath(), $"opentracy-test-{Guid.NewGuid():N}.conf");
            await File.WriteAllTextAsync(file, extraConfig);
            info.ArgumentList.Add("--config");
            info.ArgumentList.Add(file);
        }
        var self = $"akka.tcp://opentracy@127.0.0.1:{akka}";
        info.Environment["OPENTRACY_HTTP_PORT"] = http.ToString();
        info.Environment["OPENTRACY_OPS_PORT"] = ops.ToString();
        info.Environment["OPENTRACY_AKKA_PORT"] = akka.ToString();
        info.Environment["OPENTRACY_AKKA_HOSTNAME"] = "127.0.0.1";
        info.Environment["OPENTRACY_SEED_NODES"] = seed ?? self;
        info.Environment["OPENAI_BASE_URL"] = mockBaseUrl.ToString().TrimEnd('/') + "/v1";
        info.Environment["OPENAI_API_KEY"] = OpenAiKey;
        info.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var node = new NodeProcess(process, http, ops, akka);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await node.WaitReadyAsync();
        return node;
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private async Task WaitReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + ReadyWait;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"node exited early:\n{Output}");
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{HttpPort}/health/ready");
                if (response.IsSuccessStatusCode && Output.Contains("ops command host listening", StringComparison.Ordinal)) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(Poll);
        }
        Kill();
        throw new TimeoutException($"node not ready within {ReadyWait}:\n{Output}");
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>Build outputs the tests run as processes (same configuration as the test itself).</summary>
public static class Paths
{
    public static string RepoRoot { get; } = FindRoot();

    private static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string NodeDll => Output("OpenTracy.Node", "OpenTracy.Node.dll");

    public static string PbmDll => Output("OpenTracy.Cmd", "pbm.dll");

    private static string Output(string project, string file)
    {
        var path = Path.Combine(RepoRoot, "src", project, "bin", Configuration, "net10.0", file);
        if (!File.Exists(path)) throw new FileNotFoundException($"build {project} first", path);
        return path;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OpenTracy.Actors.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("repository root not found");
    }
}

/// <summary>Polls a condition until it holds or a bound passes.</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        T last;
        do
        {
            last = await probe();
            if (done(last)) return last;
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        } while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"{what} did not happen within {within}; last: {last}");
    }
}
