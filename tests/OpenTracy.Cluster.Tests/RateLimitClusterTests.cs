using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using OpenTracy.Cluster.Tests.Support;
using Xunit.Abstractions;

namespace OpenTracy.Cluster.Tests;

public sealed class RateLimitedCluster : ClusterFixture
{
    public const int Rpm = 120;
    public const int Burst = 20;
    public const string DeploymentLimited = "dep-limited";

    protected override string ExtraHocon => $$"""
        opentracy.rate-limits {
          openai { requests-per-minute = {{Rpm}}, burst = {{Burst}}, max-wait = 0s }
          groq { requests-per-minute = 6000, burst = 100, max-wait = 0s }
        }
        opentracy.cluster-stats.publish-interval = 1s
        # A deployment limit of its own (mistral's key has no limit): held cluster-wide the same way.
        opentracy.model-groups.{{DeploymentLimited}}.deployments = [
          { model = "mistral/mistral-small-latest", rpm = {{Rpm}}, burst = {{Burst}}, max-wait = 0s }
        ]
        opentracy.model-groups.shared-latency {
          strategy = lowest-latency
          deployments = [ { model = "fireworks/first" }, { model = "cerebras/second" } ]
        }
        """;
}

/// <summary>One provider key limited cluster-wide while three nodes are hammered; a 429 seen by one node holds back the others.</summary>
public sealed class RateLimitClusterTests(RateLimitedCluster cluster, ITestOutputHelper output) : IClassFixture<RateLimitedCluster>
{
    private static readonly TimeSpan HammerFor = TimeSpan.FromSeconds(10);
    private const int WorkersPerNode = 3;
    private const double Tolerance = 0.05;
    private const int MaxRequestsPerWorker = 5000;

    [Fact]
    public Task Admitted_requests_across_three_nodes_stay_within_the_configured_rate_and_the_rest_get_429_with_retry_after()
        => HammerWithinLimitAsync("openai/gpt-4o-mini", "cluster-rate");

    [Fact]
    public Task A_deployments_own_rpm_holds_across_three_nodes_and_the_rest_get_429_with_retry_after()
        => HammerWithinLimitAsync(RateLimitedCluster.DeploymentLimited, "cluster-dep-rate");

    /// <summary>Three nodes hammer <paramref name="model"/> (limited to Rpm + Burst, max-wait 0) for <see cref="HammerFor"/>.</summary>
    private async Task HammerWithinLimitAsync(string model, string id)
    {
        var results = new ConcurrentBag<ChatResult>();
        var clock = Stopwatch.StartNew();
        var workers = cluster.Nodes.SelectMany(node => Enumerable.Range(0, WorkersPerNode).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < MaxRequestsPerWorker && clock.Elapsed < HammerFor; i++)
                results.Add(await Chat.SendAsync(cluster.Http, node.BaseUrl, model, $"[mock id={id}] hello"));
        }))).ToList();
        await Task.WhenAll(workers);
        var window = clock.Elapsed;

        var admittedByMock = cluster.Mock.GetStats(id).Requests;
        var ok = results.Count(r => r.Ok);
        var limited = results.Where(r => r.RateLimited).ToList();
        var other = results.Where(r => !r.Ok && !r.RateLimited).ToList();
        var allowed = RateLimitedCluster.Burst + RateLimitedCluster.Rpm / 60.0 * window.TotalSeconds * (1 + Tolerance);
        var steady = RateLimitedCluster.Rpm / 60.0 * window.TotalSeconds;
        output.WriteLine($"{model}: window {window.TotalSeconds:F1} s, sent {results.Count}, 200: {ok}, 429: {limited.Count}, other: {other.Count}; " +
                         $"mock saw {admittedByMock}; configured {RateLimitedCluster.Rpm} rpm + burst {RateLimitedCluster.Burst} allows {allowed:F1} (steady rate alone: {steady:F1})");

        Assert.True(other.Count == 0, $"unexpected answers: {string.Join("; ", other.Take(5).Select(o => $"{o.Status} {o.Failure}"))}");
        Assert.True(admittedByMock <= allowed, $"mock saw {admittedByMock} requests, the limit allows {allowed:F1}");
        Assert.Equal(ok, admittedByMock);
        // The limiter must admit, not just refuse: at least half the steady rate got through.
        Assert.True(admittedByMock >= steady / 2, $"only {admittedByMock} admitted; steady rate is {steady:F1}");
        Assert.NotEmpty(limited);
        Assert.All(limited, r =>
        {
            Assert.False(string.IsNullOrEmpty(r.RetryAfter), "a 429 without Retry-After");
            Assert.True(int.Parse(r.RetryAfter!) >= 1);
            Assert.Equal("rate_limit_error", r.ErrorType);
        });
    }

    [Fact]
    public async Task An_upstream_429_with_retry_after_on_one_node_holds_the_key_back_on_the_others()
    {
        const string model = "groq/llama-3.1-8b-instant";
        var (a, b, c) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        // Every node leases permits for the key first (so B and C hold permits of their own).
        foreach (var node in cluster.Nodes)
        {
            var warm = await Chat.SendAsync(cluster.Http, node.BaseUrl, model, "[mock id=cool-warm] hi");
            Assert.True(warm.Ok, $"warm-up on {node.Name}: {warm.Status} {warm.Failure}");
        }

        const int retryAfterSeconds = 5;
        var refused = await Chat.SendAsync(cluster.Http, a.BaseUrl, model, $"[mock id=cool-429 status=429 retry-after={retryAfterSeconds}] hi");
        var cooldownStarted = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.Equal(retryAfterSeconds.ToString(), refused.RetryAfter);

        // Give the cooldown a moment to reach the limiter and the other nodes' caches.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var held = new List<ChatResult>();
        foreach (var node in new[] { b, c, b, c })
            held.Add(await Chat.SendAsync(cluster.Http, node.BaseUrl, model, "[mock id=cool-after] hi"));
        output.WriteLine($"during cooldown: {string.Join(", ", held.Select(h => $"{(int?)h.Status} retry-after={h.RetryAfter}"))}");
        Assert.All(held, h =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, h.Status);
            Assert.Equal("rate_limit_error", h.ErrorType);
            Assert.True(int.Parse(h.RetryAfter!) >= 1);
        });
        Assert.Equal(0, cluster.Mock.GetStats("cool-after").Requests);

        // After the cooldown the key is usable again from any node.
        var rest = TimeSpan.FromSeconds(retryAfterSeconds + 1) - cooldownStarted.Elapsed;
        if (rest > TimeSpan.Zero) await Task.Delay(rest);
        var after = await Chat.SendAsync(cluster.Http, c.BaseUrl, model, "[mock id=cool-done] hi");
        Assert.True(after.Ok, $"after the cooldown: {after.Status} {after.Failure}");
    }

    // Lowest-latency plans with the cluster-wide picture: what one node learned steers the others.
    private const string Group = "shared-latency";
    private const string First = "fireworks/first";
    private const string Second = "cerebras/second";
    private const int MaxPolls = 30;
    private static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_deployment_that_was_slow_on_node_A_is_planned_last_on_node_B()
    {
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        // On A: the first deployment fails once (the plan falls through to the second, which answers fast) ...
        var fallThrough = await SendToGroupAsync(http, a.BaseUrl, "[mock id=shared-fail status=500 fail-times=1] hi");
        Assert.Equal(Second, fallThrough);
        // ... then A sees the first deployment slow: its cluster-wide average is now far above the second's.
        Assert.Equal(First, await SendToGroupAsync(http, a.BaseUrl, "[mock id=shared-slow delay-ms=800] hi"));

        // B never called either deployment itself: on its own it would try them in list order (both untried).
        // Polls are slow too, so whatever B picks only makes the first deployment look slower.
        var picks = new List<string?>();
        for (var i = 0; i < MaxPolls; i++)
        {
            var pick = await SendToGroupAsync(http, b.BaseUrl, "[mock id=shared-poll delay-ms=300] hi");
            picks.Add(pick);
            if (pick == Second) break;
            await Task.Delay(PollEvery);
        }
        output.WriteLine($"B's first choices: {string.Join(", ", picks)}");
        Assert.Equal(Second, picks[^1]);
    }

    private static async Task<string?> SendToGroupAsync(HttpClient http, Uri node, string text)
    {
        var body = $$"""{"model":"{{Group}}","messages":[{"role":"user","content":"{{text}}"}]}""";
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(node, "/v1/chat/completions"), content);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.Headers.TryGetValues("X-OpenTracy-Selected-Model", out var v) ? v.Single() : null;
    }
}
