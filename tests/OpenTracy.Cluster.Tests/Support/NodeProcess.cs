using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace OpenTracy.Cluster.Tests.Support;

/// <summary>One <c>dotnet OpenTracy.Node.dll</c> process. Its stdout/stderr lines are kept (with arrival time) for log assertions.</summary>
public sealed class NodeProcess : IDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly ConcurrentQueue<(DateTime At, string Line)> _lines = new();

    public NodeProcess(string name, int httpPort, int akkaPort, IReadOnlyDictionary<string, string> environment, string configFile, string workDir)
    {
        Name = name;
        HttpPort = httpPort;
        AkkaPort = akkaPort;
        BaseUrl = new Uri($"http://127.0.0.1:{httpPort}");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(NodeDll);
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(configFile);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue((DateTime.UtcNow, e.Data)); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue((DateTime.UtcNow, e.Data)); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }
    public int HttpPort { get; }
    public int AkkaPort { get; }
    public Uri BaseUrl { get; }
    public string AkkaAddress => $"akka.tcp://opentracy@127.0.0.1:{AkkaPort}";
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<(DateTime At, string Line)> Lines => [.. _lines];

    public static string NodeDll
    {
        get
        {
            var path = typeof(NodeProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NodeDll").Value!;
            path = Path.GetFullPath(path);
            if (!File.Exists(path)) throw new FileNotFoundException($"the node's build output is missing: {path}");
            return path;
        }
    }

    /// <summary>kill -9.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM: the node should leave the cluster and exit 0.</summary>
    public void Terminate()
    {
        if (SysKill(_process.Id, SigTerm) != 0) throw new InvalidOperationException($"kill -TERM {_process.Id} failed");
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public string Tail(int count = 40) => string.Join('\n', Lines.TakeLast(count).Select(l => $"[{Name}] {l.Line}"));

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
