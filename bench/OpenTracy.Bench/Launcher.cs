using System.Globalization;
using System.Text.Json.Nodes;

namespace OpenTracy.Bench;

/// <summary>Starts each target as pinned child processes in front of the one shared mock.</summary>
public sealed class Launcher(BenchOptions options, RepoLayout repo, string logDirectory, HttpClient probe)
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(5);
    private const string BenchKey = "bench-not-a-real-key";
    private const string MockProject = "src/OpenTracy.MockProvider";
    private const string NodeProject = "src/OpenTracy.Node";
    private const string FloorProject = "bench/OpenTracy.Bench.Forwarder";
    private const string PortkeyFolder = "bench/.portkey";
    private const string PortkeyEntry = "node_modules/@portkey-ai/gateway/build/start-server.js";
    private const string PortkeyPackageJson = """
        {
          "name": "opentracy-bench-portkey",
          "private": true,
          "dependencies": { "@portkey-ai/gateway": "1.15.2" },
          "overrides": { "@hono/node-server": "1.13.5", "hono": "4.9.7" }
        }
        """;
    private const string NodeHocon = "opentracy.http.hostname = \"127.0.0.1\"\n";
    private const int LimitedRequestsPerMinute = 60_000_000;
    private const int LimitedBurst = 100_000;
    private static readonly string LimitedHocon =
        $"opentracy.rate-limits.openai {{ requests-per-minute = {LimitedRequestsPerMinute}, burst = {LimitedBurst} }}\n";
    private const string AutoHocon = "opentracy.routing.allowed-models = [\"gpt-4o-mini\", \"gpt-4o\", \"gpt-4-turbo\", \"gpt-3.5-turbo\"]\n";
    private static readonly Dictionary<string, string> NoEnvironment = [];

    public async Task<(ManagedProcess Process, Uri BaseUrl)> StartMockAsync()
    {
        var port = ManagedProcess.FreePort();
        var process = ManagedProcess.Start("mock", options.LoadCore, "dotnet",
            [repo.Dll(MockProject), "--port", Invariant(port)], NoEnvironment, logDirectory);
        var baseUrl = new Uri($"http://127.0.0.1:{port}");
        await process.WaitReadyAsync(probe, new Uri(baseUrl, "/_mock/stats?id=bench"), ReadyTimeout);
        return (process, baseUrl);
    }

    public Target Direct(ManagedProcess mock, Uri mockUrl) => new()
    {
        Key = TargetKeys.Direct, Name = "mock directly", BaseUrls = [mockUrl], Model = "gpt-4o-mini",
        Headers = [new("Authorization", "Bearer " + BenchKey)], Measured = [mock],
        Runtime = GcMode.Describe(mock.Pid, repo.Dll(MockProject)) + $"; on core {options.LoadCore} with the load generator",
    };

    public async Task<Target> FloorAsync(Uri mockUrl)
    {
        var port = ManagedProcess.FreePort();
        var process = ManagedProcess.Start("floor", options.TargetCore, "dotnet",
            [repo.Dll(FloorProject), "--port", Invariant(port), "--upstream", mockUrl.ToString()], new Dictionary<string, string>(options.DotnetEnvironment), logDirectory);
        var baseUrl = new Uri($"http://127.0.0.1:{port}");
        await using var guard = new StartGuard(process);
        await process.WaitReadyAsync(probe, new Uri(baseUrl, "/health"), ReadyTimeout);
        guard.Keep();
        return new Target
        {
            Key = TargetKeys.Floor, Name = ".NET floor (parse + forward)", BaseUrls = [baseUrl], Model = "gpt-4o-mini",
            Headers = [new("Authorization", "Bearer " + BenchKey)], Measured = [process], Owned = [process],
            Runtime = GcMode.Describe(process.Pid, repo.Dll(FloorProject)),
        };
    }

    /// <summary>Plain node(s): one node (<paramref name="count"/> = 1) or a cluster seeded by the first node.</summary>
    public Task<Target> NodesAsync(Uri mockUrl, int count) => NodesAsync(mockUrl, count == 1
        ? new NodeVariant(TargetKeys.Node, "OpenTracy, 1 node", 1)
        : new NodeVariant(TargetKeys.Cluster, $"OpenTracy, {count}-node cluster (round-robin)", count));

    /// <summary>One node whose OpenAI key is rate-limited far above the offered load: every request leases a permit, none waits.</summary>
    public Task<Target> LimitedNodeAsync(Uri mockUrl) => NodesAsync(mockUrl, new NodeVariant(TargetKeys.Limited,
        "OpenTracy, 1 node, key rate-limited (limit never reached)", 1, Hocon: LimitedHocon,
        Note: $"opentracy.rate-limits.openai = {Invariant(LimitedRequestsPerMinute)} requests/min: each request takes a permit from the node's lease cache, refilled from the key's sharded limiter entity"));

    /// <summary>One node with routing weights; the auto workload sends <c>model: "auto"</c>.</summary>
    public Task<Target> AutoNodeAsync(Uri mockUrl)
    {
        var weights = Path.GetFullPath(Path.Combine(repo.Root, options.Weights));
        if (!Directory.Exists(weights)) throw new DirectoryNotFoundException($"routing weights not found at {weights} (--weights DIR)");
        return NodesAsync(mockUrl, new NodeVariant(TargetKeys.Auto, "OpenTracy, 1 node, model \"auto\"", 1,
            Hocon: AutoHocon, Environment: new Dictionary<string, string> { ["OPENTRACY_WEIGHTS_PATH"] = weights },
            Model: "auto", Note: $"weights {Path.GetFileName(weights)}; the choice is limited to the OpenAI models of the weights (the mock serves them)"));
    }

    /// <summary>How a node target differs from the plain one: its key, name, size, extra HOCON and environment.</summary>
    public sealed record NodeVariant(string Key, string Name, int Count, string Hocon = "", IReadOnlyDictionary<string, string>? Environment = null,
        string Model = "openai/gpt-4o-mini", string? Note = null);

    private async Task<Target> NodesAsync(Uri mockUrl, NodeVariant variant)
    {
        var count = variant.Count;
        var hoconPath = Path.Combine(logDirectory, $"bench-{variant.Key}.conf");
        await File.WriteAllTextAsync(hoconPath, NodeHocon + variant.Hocon);
        var akkaPorts = Enumerable.Range(0, count).Select(_ => ManagedProcess.FreePort()).ToArray();
        var seed = $"akka.tcp://opentracy@127.0.0.1:{akkaPorts[0]}";
        var processes = new List<ManagedProcess>();
        var urls = new List<Uri>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var port = ManagedProcess.FreePort();
                var environment = new Dictionary<string, string>(options.DotnetEnvironment)
                {
                    ["OPENTRACY_HTTP_PORT"] = Invariant(port),
                    ["OPENTRACY_OPS_PORT"] = Invariant(ManagedProcess.FreePort()),
                    ["OPENTRACY_AKKA_HOSTNAME"] = "127.0.0.1",
                    ["OPENTRACY_AKKA_PORT"] = Invariant(akkaPorts[i]),
                    ["OPENAI_API_KEY"] = BenchKey,
                    ["OPENAI_BASE_URL"] = new Uri(mockUrl, "/v1").ToString(),
                };
                if (count > 1) environment["OPENTRACY_SEED_NODES"] = seed;
                foreach (var (key, value) in variant.Environment ?? new Dictionary<string, string>()) environment[key] = value;
                var name = count == 1 ? variant.Key : $"{variant.Key}-{i + 1}";
                processes.Add(ManagedProcess.Start(name, options.TargetCore, "dotnet",
                    [repo.Dll(NodeProject), "--config", hoconPath], environment, logDirectory));
                urls.Add(new Uri($"http://127.0.0.1:{port}"));
            }
            for (var i = 0; i < count; i++) await processes[i].WaitReadyAsync(probe, new Uri(urls[i], "/health/ready"), ReadyTimeout);
        }
        catch
        {
            foreach (var p in processes) await p.DisposeAsync();
            throw;
        }
        return new Target
        {
            Key = variant.Key, Name = variant.Name, Note = variant.Note,
            BaseUrls = urls, Model = variant.Model, Measured = processes, Owned = processes,
            Runtime = GcMode.Describe(processes[0].Pid, repo.Dll(NodeProject)) + (count > 1 ? $"; {count} processes share core {options.TargetCore}" : ""),
        };
    }

    public async Task<Target> PortkeyAsync(Uri mockUrl)
    {
        var folder = Path.Combine(repo.Root, PortkeyFolder);
        if (!File.Exists(Path.Combine(folder, PortkeyEntry))) await InstallPortkeyAsync(folder);
        var port = ManagedProcess.FreePort();
        var process = ManagedProcess.Start("portkey", options.TargetCore, "node",
            [PortkeyEntry, $"--port={Invariant(port)}", "--headless"], NoEnvironment, logDirectory, folder);
        var baseUrl = new Uri($"http://127.0.0.1:{port}");
        await using var guard = new StartGuard(process);
        await process.WaitReadyAsync(probe, baseUrl, ReadyTimeout, requireOk: false);
        guard.Keep();
        return new Target
        {
            Key = TargetKeys.Portkey, Name = "Portkey gateway 1.15.2", BaseUrls = [baseUrl], Model = "gpt-4o-mini",
            Headers =
            [
                new("Authorization", "Bearer " + BenchKey),
                new("x-portkey-provider", "openai"),
                new("x-portkey-custom-host", new Uri(mockUrl, "/v1").ToString()),
            ],
            Measured = [process], Owned = [process], Runtime = $"Node.js {NodeVersion()} (V8)",
            Note = "Portkey delays every stream's first chunk by 25 ms on purpose (see peer-portkey.md)",
        };
    }

    private async Task InstallPortkeyAsync(string folder)
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "package.json"), PortkeyPackageJson);
        var info = new System.Diagnostics.ProcessStartInfo("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"])
        {
            WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var npm = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException("npm did not start");
        var stderr = npm.StandardError.ReadToEndAsync();
        _ = npm.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(NpmTimeout);
        try
        {
            await npm.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            npm.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"npm install of Portkey did not finish within {NpmTimeout.TotalMinutes:F0} min");
        }
        if (npm.ExitCode != 0) throw new InvalidOperationException($"npm install of Portkey failed ({npm.ExitCode}): {(await stderr).Trim()}");
    }

    private static string NodeVersion()
    {
        try
        {
            using var node = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("node", ["--version"]) { RedirectStandardOutput = true });
            return node?.StandardOutput.ReadToEnd().Trim() ?? "?";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Stops a just-started process unless <see cref="Keep"/> was called (start failed half-way).</summary>
    private sealed class StartGuard(ManagedProcess process) : IAsyncDisposable
    {
        private bool _keep;
        public void Keep() => _keep = true;
        public ValueTask DisposeAsync() => _keep ? ValueTask.CompletedTask : process.DisposeAsync();
    }
}

/// <summary>Where the built projects are: same configuration as this runner (bin/&lt;Config&gt;/net10.0).</summary>
public sealed record RepoLayout(string Root, string Configuration, string Framework)
{
    private const string SolutionFile = "OpenTracy.Actors.sln";

    public static RepoLayout Find()
    {
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = baseDir.Name;
        var configuration = baseDir.Parent?.Name ?? "Release";
        for (var dir = baseDir; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile))) return new RepoLayout(dir.FullName, configuration, framework);
        }
        throw new InvalidOperationException($"{SolutionFile} not found above {AppContext.BaseDirectory}");
    }

    public string Dll(string projectFolder)
    {
        var name = Path.GetFileName(projectFolder);
        var path = Path.Combine(Root, projectFolder, "bin", Configuration, Framework, name + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build with `dotnet build -c {Configuration} bench/OpenTracy.Bench`");
    }
}

/// <summary>
/// Which GC a .NET process runs: what its runtimeconfig asks for, and what ran — the runtime names
/// its server GC threads ".NET Server GC"; with one visible CPU (taskset) it silently uses workstation GC.
/// </summary>
public static class GcMode
{
    private const string ServerThreadName = "Server GC";

    public static string Describe(int pid, string dll)
    {
        var configured = ConfiguredServer(dll) ? "server" : "workstation";
        var ran = RanServer(pid) switch { true => "server", false => "workstation", null => "unknown" };
        return $".NET {Environment.Version}, GC configured {configured}, ran {ran}";
    }

    private static bool ConfiguredServer(string dll)
    {
        var path = Path.ChangeExtension(dll, ".runtimeconfig.json");
        if (!File.Exists(path)) return false;
        var json = JsonNode.Parse(File.ReadAllText(path));
        return json?["runtimeOptions"]?["configProperties"]?["System.GC.Server"]?.GetValue<bool>() == true;
    }

    private static bool? RanServer(int pid)
    {
        try
        {
            return Directory.EnumerateDirectories($"/proc/{pid}/task")
                .Any(task => File.ReadAllText(Path.Combine(task, "comm")).Contains(ServerThreadName, StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
