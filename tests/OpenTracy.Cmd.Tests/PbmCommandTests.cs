using System.Net.Http.Json;
using System.Text.Json;
using OpenTracy.Cluster.Support;

namespace OpenTracy.Cmd.Tests;

public sealed class PbmCommandTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private Task<Pbm.Result> RunA(string command) => Pbm.RunAsync(cluster.A.OpsEndpoint, command);

    [Fact]
    public async Task Cluster_show_lists_every_member_then_the_count()
    {
        var result = await RunA("cluster show");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.Lines, l => l.StartsWith(cluster.A.AkkaAddress + " ", StringComparison.Ordinal) && l.Contains("| [] | Up | Reachable |", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith(cluster.B.AkkaAddress + " ", StringComparison.Ordinal) && l.Contains("| Up |", StringComparison.Ordinal));
        Assert.Equal("Count: 2 nodes", result.Lines[^1]);
    }

    [Fact]
    public async Task Cluster_show_json_is_one_document_for_scripts()
    {
        var result = await RunA("cluster show --json");

        using var doc = JsonDocument.Parse(result.Stdout);
        var addresses = doc.RootElement.EnumerateArray().Select(m => m.GetProperty("address").GetString()).ToList();
        Assert.Contains(cluster.A.AkkaAddress, addresses);
        Assert.Contains(cluster.B.AkkaAddress, addresses);
    }

    [Fact]
    public async Task Cluster_status_leader_and_unreachable()
    {
        var status = await RunA("cluster status");
        var leader = await RunA("cluster leader");
        var unreachable = await RunA("cluster unreachable");

        Assert.StartsWith(cluster.A.AkkaAddress, status.Lines.Single(), StringComparison.Ordinal);
        Assert.Contains(leader.Lines.Single(), new[] { cluster.A.AkkaAddress, cluster.B.AkkaAddress });
        Assert.Equal("No unreachable members", unreachable.Lines.Single());
    }

    [Fact]
    public async Task Cluster_tail_streams_member_events_until_stopped()
    {
        using var tail = Pbm.Start(cluster.A.OpsEndpoint, "cluster tail");
        try
        {
            var lines = new List<string>();
            using var cts = new CancellationTokenSource(Wait);
            while (lines.Count(l => l.StartsWith("MemberUp", StringComparison.Ordinal)) < 2)
                lines.Add(await tail.StandardOutput.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException("tail ended"));
            Assert.Contains(lines, l => l.Contains(cluster.B.AkkaAddress, StringComparison.Ordinal));
            Assert.False(tail.HasExited);
        }
        finally
        {
            tail.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Sharding_regions_and_an_unknown_region()
    {
        var regions = await RunA("cluster-sharding regions");
        var alias = await RunA("cluster sharding regions");
        var unknown = await RunA("cluster sharding region-stats -t no-such-type");

        Assert.Equal(0, regions.ExitCode);
        Assert.Matches(@"^Count: \d+ regions$", regions.Lines[^1]);
        Assert.Equal(regions.Stdout, alias.Stdout);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no shard region 'no-such-type'", unknown.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Actor_hierarchy_and_system()
    {
        var shallow = await RunA("actor hierarchy -d 1");
        var below = await RunA("actor hierarchy -s /user -d 0");
        var system = await RunA("actor system");

        Assert.Contains("/user/requests", shallow.Lines);
        Assert.Contains("/user/opentracy-remote", shallow.Lines);
        Assert.DoesNotContain(shallow.Lines, l => l.Count(c => c == '/') > 2);
        Assert.Equal(["/user", "Count: 1 actors"], below.Lines);
        Assert.Contains(system.Lines, l => l.StartsWith("name", StringComparison.Ordinal) && l.EndsWith("| opentracy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Log_peek_shows_the_last_lines()
    {
        var result = await RunA("log peek -c 3");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(3, result.Lines.Length);
        Assert.All(result.Lines, l => Assert.Matches(@"^\[(DEBUG|INFO|WARNING|ERROR)\]\[", l));
    }

    [Fact]
    public async Task Remote_connections_list_the_other_node()
    {
        var result = await RunA("remote connections");

        Assert.Contains(result.Lines, l => l.StartsWith(cluster.B.AkkaAddress, StringComparison.Ordinal));
        Assert.Equal("Count: 1 connections", result.Lines[^1]);
    }

    [Fact]
    public async Task Tracy_providers_say_whether_a_key_is_present_never_the_key()
    {
        var result = await RunA("tracy providers");

        Assert.Contains(result.Lines, l => l.StartsWith("openai ", StringComparison.Ordinal) && l.Contains("| yes |", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith("anthropic ", StringComparison.Ordinal) && l.Contains("| no  |", StringComparison.Ordinal));
        Assert.DoesNotContain(NodeProcess.OpenAiKey, result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tracy_routes_and_requests_show_traffic()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{cluster.A.HttpPort}"), Timeout = Wait };
        var body = new { model = "openai/gpt-4o-mini", messages = new[] { new { role = "user", content = "slow [mock delay-ms=4000]" } } };
        var slow = http.PostAsJsonAsync("/v1/chat/completions", body);

        var inFlight = await Eventually.WaitAsync(() => RunA("tracy requests"), r => r.Stdout.Contains("openai/gpt-4o-mini", StringComparison.Ordinal), Wait, "request listed");
        Assert.Contains("Count: 1 requests in flight", inFlight.Stdout, StringComparison.Ordinal);
        // tracy routes counts it in the deployment's in-flight column (while the 4 s upstream call runs).
        var busy = await RunA("tracy routes");
        Assert.Contains(busy.Lines, l => l.Contains("direct", StringComparison.Ordinal) && l.Contains("openai/gpt-4o-mini", StringComparison.Ordinal)
            && l.Split('|', StringSplitOptions.TrimEntries) is [.., var inFlightColumn, _, _, _] && inFlightColumn == "1");
        (await slow).EnsureSuccessStatusCode();

        // The request leased permits from its key's limiter entity: the sharded region shows it.
        var regions = await RunA("cluster-sharding regions");
        Assert.Contains("provider-key-limiter", regions.Lines);
        var stats = await Eventually.WaitAsync(() => RunA("cluster sharding region-stats -t provider-key-limiter"),
            r => r.Stdout.Contains("entities: 1", StringComparison.Ordinal), Wait, "limiter entity listed");
        Assert.Contains(stats.Lines, l => l.Contains("(provider-key-limiter)", StringComparison.Ordinal) && l.Contains("shards: 1", StringComparison.Ordinal));

        var routes = await RunA("tracy routes");
        Assert.Contains(routes.Lines, l => l.StartsWith("-", StringComparison.Ordinal) && l.Contains("direct", StringComparison.Ordinal) && l.Contains("openai/gpt-4o-mini", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tracy_ratelimit_shows_the_limiter_after_traffic_and_reset_refills_it()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{cluster.A.HttpPort}"), Timeout = Wait };
        var body = new { model = "openai/gpt-4o-mini", messages = new[] { new { role = "user", content = "limited" } } };
        (await http.PostAsJsonAsync("/v1/chat/completions", body)).EnsureSuccessStatusCode();

        // Node A leased permits from the key's entity: it is listed as a lease holder (entity id = provider + key hash).
        var shown = await Eventually.WaitAsync(() => RunA("tracy ratelimit show openai"),
            r => r.Stdout.Contains(cluster.A.AkkaAddress, StringComparison.Ordinal), Wait, "lease holder listed");
        Assert.Equal(0, shown.ExitCode);
        Assert.Contains(shown.Lines, l => l.StartsWith("openai-", StringComparison.Ordinal) && l.Contains("| openai ", StringComparison.Ordinal)
            && l.Contains("unlimited", StringComparison.Ordinal)); // no tokens/min limit configured
        Assert.Equal("Count: 1 limiters", shown.Lines[^1]);
        Assert.DoesNotContain(NodeProcess.OpenAiKey, shown.Stdout, StringComparison.Ordinal);

        var reset = await RunA("tracy ratelimit reset openai");
        Assert.Equal(0, reset.ExitCode);
        var after = await RunA("tracy ratelimit show openai --json");
        using var doc = JsonDocument.Parse(after.Stdout);
        Assert.Contains("100", after.Stdout, StringComparison.Ordinal); // refilled to the burst of ClusterFixture's limit
        var unknown = await RunA("tracy ratelimit reset groq");
        Assert.Equal(1, unknown.ExitCode);
    }

    [Fact]
    public async Task Errors_exit_non_zero_with_a_message()
    {
        var palette = await RunA("nosuch thing");
        var command = await RunA("cluster nosuch");
        var missing = await RunA("cluster down");

        Assert.Equal(1, palette.ExitCode);
        Assert.Contains("unknown palette 'nosuch'", palette.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, command.ExitCode);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("needs -a", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interactive_session_prompts_helps_and_runs_commands()
    {
        var result = await Pbm.RunAsync(cluster.A.OpsEndpoint, "", stdin: "help cluster-sharding\ncluster leader\nexit\n");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"[{cluster.A.OpsEndpoint}] pbm>", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("cluster-sharding region-stats -r <value>", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("akka.tcp://opentracy@127.0.0.1:", result.Stdout, StringComparison.Ordinal);
    }
}
