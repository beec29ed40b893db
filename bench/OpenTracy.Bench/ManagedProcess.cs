using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OpenTracy.Bench;

/// <summary>
/// A child process pinned to one core with <c>taskset -c CORE</c> (taskset execs the program, so the
/// PID is the program's own), its stdout and stderr appended to a log file. Disposing sends SIGTERM,
/// waits, then kills the tree.
/// </summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ReadyPoll = TimeSpan.FromMilliseconds(200);
    private readonly Process _process;
    private readonly StreamWriter _log;

    public string Name { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    private ManagedProcess(string name, Process process, StreamWriter log)
    {
        Name = name;
        _process = process;
        _log = log;
    }

    public static ManagedProcess Start(string name, int core, string program, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment, string logDirectory, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("taskset")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(core.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info.ArgumentList.Add(program);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment) info.Environment[key] = value;

        var log = new StreamWriter(Path.Combine(logDirectory, name + ".log"), append: true) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        if (!process.Start()) throw new InvalidOperationException($"could not start {name}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ManagedProcess(name, process, log);
    }

    /// <summary>Polls <paramref name="url"/> until it answers with a status below 500 (or 200 when <paramref name="requireOk"/>).</summary>
    public async Task WaitReadyAsync(HttpClient client, Uri url, TimeSpan timeout, bool requireOk = true)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        string last = "no answer";
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready (see its log)");
            try
            {
                using var response = await client.GetAsync(url);
                if (requireOk ? response.StatusCode == HttpStatusCode.OK : (int)response.StatusCode < 500) return;
                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            await Task.Delay(ReadyPoll);
        }
        throw new TimeoutException($"{Name} was not ready at {url} within {timeout.TotalSeconds:F0} s ({last})");
    }

    /// <summary>A TCP port free right now on loopback (the OS picks it; the tiny race is acceptable here).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                using var term = Process.Start("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                if (term is not null) await term.WaitForExitAsync();
                using var grace = new CancellationTokenSource(StopGrace);
                try
                {
                    await _process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
        }
        finally
        {
            _process.Dispose();
            lock (_log) _log.Dispose();
        }
    }
}
