using System.Diagnostics;
using System.Text.Json.Nodes;

namespace OpenTracy.Node.Tests.Support;

/// <summary>
/// Runs tests/compat-js/compat.mjs (the official <c>openai</c> npm package) as a <c>node</c> process
/// against a node. The package is installed by .ci/setup.sh, or here with <c>npm ci</c> when missing.
/// </summary>
public static class JsSdk
{
    private static readonly TimeSpan ScenarioTimeout = TimeSpan.FromMinutes(2);
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static bool _installed;

    /// <summary>Why the JavaScript suite cannot run here (null: it can).</summary>
    public static readonly string? SkipReason = FindTool("node") is null ? "node is not on PATH: JavaScript SDK tests skipped"
        : FindTool("npm") is null ? "npm is not on PATH: JavaScript SDK tests skipped" : null;

    public static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "OpenTracy.Actors.sln"))) return Path.Combine(dir.FullName, "tests", "compat-js");
            throw new DirectoryNotFoundException("repository root (OpenTracy.Actors.sln) not found above " + AppContext.BaseDirectory);
        }
    }

    public static async Task EnsureInstalledAsync()
    {
        await InstallGate.WaitAsync();
        try
        {
            if (_installed || SkipReason is not null) return;
            if (!File.Exists(Path.Combine(Folder, "node_modules", "openai", "package.json")))
            {
                var (code, output) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], new Dictionary<string, string>());
                if (code != 0) throw new InvalidOperationException($"npm ci failed ({code}): {output}");
            }
            _installed = true;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>Runs one scenario; returns the JSON line it printed.</summary>
    public static async Task<JsonNode> ScenarioAsync(Uri node, string apiKey, string scenario, string model, string directive = "")
    {
        await EnsureInstalledAsync();
        var env = new Dictionary<string, string> { ["OPENAI_BASE_URL"] = new Uri(node, "/v1").ToString(), ["OPENAI_API_KEY"] = apiKey };
        var (code, output) = await RunAsync("node", ["compat.mjs", scenario, model, directive], env);
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'))
            ?? throw new InvalidOperationException($"node printed no JSON (exit {code}): {output}");
        return JsonNode.Parse(line)!;
    }

    /// <summary>Runs many scenarios concurrently in one node process; returns their results by case name.</summary>
    public static async Task<JsonObject> BatchAsync(Uri node, string apiKey, IEnumerable<JsCase> cases)
    {
        await EnsureInstalledAsync();
        var env = new Dictionary<string, string> { ["OPENAI_BASE_URL"] = new Uri(node, "/v1").ToString(), ["OPENAI_API_KEY"] = apiKey };
        var input = new JsonArray([.. cases.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name, ["scenario"] = c.Scenario, ["model"] = c.Model, ["directive"] = c.Directive, ["key"] = c.Key,
        })]).ToJsonString();
        var (code, output) = await RunAsync("node", ["compat.mjs", "batch"], env, input);
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'))
            ?? throw new InvalidOperationException($"node printed no JSON (exit {code}): {output}");
        return JsonNode.Parse(line)!.AsObject();
    }

    private static async Task<(int Code, string Output)> RunAsync(string tool, string[] args, Dictionary<string, string> env, string? stdin = null)
    {
        var start = new ProcessStartInfo(FindTool(tool)!)
        {
            WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in env) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ScenarioTimeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string? FindTool(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}

/// <summary>One scenario of compat.mjs; <paramref name="Key"/> null = the process's OPENAI_API_KEY.</summary>
public sealed record JsCase(string Name, string Scenario, string Model, string Directive = "", string? Key = null);

/// <summary>A fact that is skipped, with the reason shown, where node or npm is missing.</summary>
public sealed class JsFactAttribute : FactAttribute
{
    public JsFactAttribute() => Skip = JsSdk.SkipReason;
}

/// <summary>A theory that is skipped, with the reason shown, where node or npm is missing.</summary>
public sealed class JsTheoryAttribute : TheoryAttribute
{
    public JsTheoryAttribute() => Skip = JsSdk.SkipReason;
}

/// <summary>A node with gateway keys on, for the SDK suites (clients authenticate as they would with OpenAI).</summary>
public class KeyedNodeFixture : NodeFixture
{
    public const string GatewayKey = "gw-compat-key-7f3a9c";

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraEnvironment =>
        [new("OPENTRACY_GATEWAY_KEYS", $"{GatewayKey},gw-compat-second-key")];

    protected override string ExtraHocon => """
        opentracy.models = ["openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-20241022", "bedrock/amazon.nova-lite-v1:0"]
        """;
}
