using System.Security.Cryptography;
using System.Text;
using OpenTracy.Routing.Caching;
using OpenTracy.Routing.Scoring;

namespace OpenTracy.Routing.Tests;

public sealed class RouteCacheTests
{
    private static RoutingDecision Decision(string model) => new()
    {
        SelectedModel = model,
        ExpectedError = 0,
        CostAdjustedScore = 0,
        AllScores = new Dictionary<string, double> { [model] = 0 },
        Ranking = [],
        ClusterId = 0,
        ClusterProbabilities = [1.0],
        CostWeight = 0,
        Reasoning = string.Empty,
    };

    private static string Md5Hex(string s) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s)));

    [Fact]
    public void Key_is_md5_over_prompt_lambda_and_sorted_models()
    {
        Assert.Equal(Md5Hex("hello\0λ=0"), RouteCache.Key("hello", 0, null));
        Assert.Equal(Md5Hex("hello\0λ=0"), RouteCache.Key("hello", 0, []));
        Assert.Equal(Md5Hex("hello\0λ=0.5\0m=a,b,c"), RouteCache.Key("hello", 0.5, ["c", "a", "b"]));
        Assert.Equal(Md5Hex("hello\0λ=1e-05"), RouteCache.Key("hello", 0.00001, null));
        Assert.NotEqual(RouteCache.Key("hello", 0, null), RouteCache.Key("hello", 0.1, null));
    }

    [Fact]
    public async Task Second_lookup_is_a_hit_and_other_generations_miss()
    {
        var cache = new RouteCache();
        var computed = 0;
        Task<RoutingDecision> Compute() { computed++; return Task.FromResult(Decision("m")); }

        var first = await cache.GetOrComputeAsync("k", 1, Compute);
        var second = await cache.GetOrComputeAsync("k", 1, Compute);
        var otherGeneration = await cache.GetOrComputeAsync("k", 2, Compute);

        Assert.False(first.Hit);
        Assert.True(second.Hit);
        Assert.False(otherGeneration.Hit);
        Assert.Equal(2, computed);
        var stats = cache.GetStatistics();
        Assert.Equal(1, stats.Hits);
        Assert.Equal(2, stats.Misses);
        Assert.Equal(10_000, stats.MaxSize);
        Assert.Equal(TimeSpan.FromMinutes(5), stats.TimeToLive);
    }

    [Fact]
    public async Task Entries_expire_after_the_ttl()
    {
        var clock = new ManualTimeProvider();
        var cache = new RouteCache(new RouteCacheOptions { TimeToLive = TimeSpan.FromMinutes(5) }, clock);
        var computed = 0;
        Task<RoutingDecision> Compute() { computed++; return Task.FromResult(Decision("m")); }

        await cache.GetOrComputeAsync("k", 1, Compute);
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.True((await cache.GetOrComputeAsync("k", 1, Compute)).Hit);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False((await cache.GetOrComputeAsync("k", 1, Compute)).Hit);
        Assert.Equal(2, computed);
    }

    [Fact]
    public async Task Least_recently_used_entry_is_evicted()
    {
        var cache = new RouteCache(new RouteCacheOptions { MaxEntries = 2 });
        Task<RoutingDecision> Compute() => Task.FromResult(Decision("m"));

        await cache.GetOrComputeAsync("a", 1, Compute);
        await cache.GetOrComputeAsync("b", 1, Compute);
        await cache.GetOrComputeAsync("a", 1, Compute); // a is now the most recent
        await cache.GetOrComputeAsync("c", 1, Compute); // evicts b

        Assert.True((await cache.GetOrComputeAsync("a", 1, Compute)).Hit);
        Assert.False((await cache.GetOrComputeAsync("b", 1, Compute)).Hit);
        Assert.Equal(2, cache.GetStatistics().Size);
    }

    [Fact]
    public async Task Concurrent_identical_misses_run_one_computation()
    {
        var cache = new RouteCache();
        var computed = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<RoutingDecision> Compute()
        {
            Interlocked.Increment(ref computed);
            await release.Task;
            return Decision("shared");
        }

        var waiters = Enumerable.Range(0, 32).Select(_ => Task.Run(() => cache.GetOrComputeAsync("k", 1, Compute))).ToArray();
        await Task.Delay(100); // let every waiter reach the cache (a lower bound: more time only helps)
        release.SetResult();
        var results = await Task.WhenAll(waiters);

        Assert.Equal(1, computed);
        Assert.All(results, r => Assert.Equal("shared", r.Decision.SelectedModel));
        Assert.Same(results[0].Decision, results[^1].Decision);
    }

    [Fact]
    public async Task A_failure_reaches_every_waiter_and_is_not_cached()
    {
        var cache = new RouteCache();
        var attempts = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<RoutingDecision> Failing()
        {
            Interlocked.Increment(ref attempts);
            await release.Task;
            throw new InvalidOperationException("embedder down");
        }

        var waiters = Enumerable.Range(0, 4).Select(_ => cache.GetOrComputeAsync("k", 1, Failing)).ToArray();
        release.SetResult();
        foreach (var w in waiters) await Assert.ThrowsAsync<InvalidOperationException>(() => w);
        Assert.Equal(1, attempts);

        var retry = await cache.GetOrComputeAsync("k", 1, () => Task.FromResult(Decision("ok")));
        Assert.False(retry.Hit);
        Assert.Equal("ok", retry.Decision.SelectedModel);
    }

    [Fact]
    public async Task A_waiter_can_give_up_without_cancelling_the_shared_computation()
    {
        var cache = new RouteCache();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<RoutingDecision> Slow()
        {
            await release.Task;
            return Decision("done");
        }
        using var cts = new CancellationTokenSource();
        var impatient = cache.GetOrComputeAsync("k", 1, Slow, cts.Token);
        var patient = cache.GetOrComputeAsync("k", 1, Slow);

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);
        release.SetResult();

        Assert.Equal("done", (await patient).Decision.SelectedModel);
    }

    [Fact]
    public async Task Clear_drops_entries_and_counters()
    {
        var cache = new RouteCache();
        await cache.GetOrComputeAsync("k", 1, () => Task.FromResult(Decision("m")));
        await cache.GetOrComputeAsync("k", 1, () => Task.FromResult(Decision("m")));

        cache.Clear();

        Assert.Equal(new RouteCacheStatistics(0, 10_000, TimeSpan.FromMinutes(5), 0, 0), cache.GetStatistics());
        Assert.False((await cache.GetOrComputeAsync("k", 1, () => Task.FromResult(Decision("m")))).Hit);
    }
}
