using OpenTracy.Balancing;
using OpenTracy.Providers;
using OpenTracy.Wire;
using static OpenTracy.Tests.Sdk.FakeProviderClient;
using static OpenTracy.Tests.Sdk.SdkTestKit;

namespace OpenTracy.Tests.Sdk;

/// <summary>Reference §6: groups, strategies, per-deployment retries, fallbacks once each, stats.</summary>
public class RouterTests
{
    private static RouterDeployment D(string model, double weight = 1.0, string alias = "smart") => new(alias, model) { Weight = weight };

    private static Router NewRouter(FakeProviderClient fake, IEnumerable<RouterDeployment> list, BalancingStrategy strategy = BalancingStrategy.RoundRobin,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? fallbacks = null, int numRetries = 2, InstantTimeProvider? time = null, Random? random = null)
        => new(list, fallbacks, strategy, numRetries, TimeSpan.FromSeconds(30), Client(fake, time: time ?? new InstantTimeProvider(), price: TestPrices), random);

    private static async Task<string[]> FirstCalls(Router router, FakeProviderClient fake, int requests)
    {
        for (var i = 0; i < requests; i++) await router.CompletionAsync("smart", Hello);
        return [.. fake.CalledModels];
    }

    [Fact]
    public async Task Round_robin_starts_one_deployment_further_on_each_call()
    {
        var fake = new FakeProviderClient();
        var router = NewRouter(fake, [D("openai/a"), D("openai/b"), D("openai/c")]);
        Assert.Equal(["a", "b", "c", "a"], await FirstCalls(router, fake, 4));
    }

    [Fact]
    public async Task Round_robin_rotation_advances_even_when_a_call_fails_over()
    {
        var fake = new FakeProviderClient().Fail("a", Status(400));
        var router = NewRouter(fake, [D("openai/a"), D("openai/b")]);
        await router.CompletionAsync("smart", Hello);   // a fails (non-retryable) → b
        await router.CompletionAsync("smart", Hello);   // rotation: b first
        Assert.Equal(["a", "b", "b"], fake.CalledModels);
    }

    [Fact]
    public async Task Least_cost_tries_the_cheapest_priced_model_first_and_unknown_last()
    {
        var fake = new FakeProviderClient().Fail("cheap", Status(400)).Fail("pricey", Status(400));
        var router = NewRouter(fake, [D("openai/unpriced"), D("openai/pricey"), D("openai/cheap")], BalancingStrategy.LeastCost);
        await router.CompletionAsync("smart", Hello);
        Assert.Equal(["cheap", "pricey", "unpriced"], fake.CalledModels);
    }

    [Fact]
    public async Task Lowest_latency_prefers_the_measured_fastest_and_tries_untried_last()
    {
        var fake = new FakeProviderClient();
        var router = NewRouter(fake, [D("openai/a"), D("openai/b")], BalancingStrategy.LowestLatency);
        // Nothing measured: list order. a answers and gets a finite average; b stays untried → last.
        await router.CompletionAsync("smart", Hello);
        await router.CompletionAsync("smart", Hello);
        Assert.Equal(["a", "a"], fake.CalledModels);

        // A failure of a counts in its denominator but b is still untried (+∞): a stays first.
        fake.Fail("a", Status(400));
        await router.CompletionAsync("smart", Hello);
        Assert.Equal(["a", "a", "a", "b"], fake.CalledModels);
        var stats = router.GetStats()["smart"];
        Assert.Equal((3L, 1L), (stats[0].Requests, stats[0].Errors));
        Assert.Equal((1L, 0L), (stats[1].Requests, stats[1].Errors));
    }

    [Fact]
    public async Task Least_busy_sends_new_requests_past_a_deployment_with_one_in_flight_and_counts_it_down_after()
    {
        var held = new TaskCompletionSource<ModelResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fake = new FakeProviderClient().Script("a", _ => held.Task, _ => Answer("a", "ok", null));
        var router = NewRouter(fake, [D("openai/a"), D("openai/b"), D("openai/c")], BalancingStrategy.LeastBusy);

        var slow = router.CompletionAsync("smart", Hello); // rotation starts at a: a is held in flight
        Assert.Equal(1, router.GetStats()["smart"][0].InFlight);
        for (var i = 0; i < 6; i++) await router.CompletionAsync("smart", Hello);
        // Turns start at a, b, c, a, b, c, a; while a is held its turns (4th, 7th) go to b, the first idle one.
        Assert.Equal(["a", "b", "c", "b", "b", "c", "b"], fake.CalledModels);

        held.SetResult(Answer("a", "late", null));
        Assert.Equal("late", (await slow).Content);
        Assert.All(router.GetStats()["smart"], d => Assert.Equal(0, d.InFlight));
        await router.CompletionAsync("smart", Hello); // rotation's 8th turn starts at b; all idle again
        await router.CompletionAsync("smart", Hello); // ...and the 9th at c
        await router.CompletionAsync("smart", Hello); // ...the 10th at a, idle now
        Assert.Equal("a", fake.CalledModels[^1]);
    }

    [Fact]
    public async Task A_failed_attempt_and_a_finished_stream_leave_the_in_flight_count()
    {
        var fake = new FakeProviderClient().Fail("a", Status(400)).Script("b", _ => Answer("b", "ok", null), _ => new object[] { Chunk("x"), Chunk("y") });
        var router = NewRouter(fake, [D("openai/a"), D("openai/b")], BalancingStrategy.LeastBusy);

        await router.CompletionAsync("smart", Hello); // a fails (400) → b answers
        var chunks = new List<StreamChunk>();
        await foreach (var chunk in router.StreamAsync("smart", Hello))
        {
            chunks.Add(chunk);
            Assert.Equal(1, router.GetStats()["smart"].Sum(d => d.InFlight)); // the open stream counts
        }

        Assert.Equal(2, chunks.Count);
        Assert.All(router.GetStats()["smart"], d => Assert.Equal(0, d.InFlight));
    }

    [Fact]
    public async Task Weighted_random_follows_the_weights()
    {
        var fake = new FakeProviderClient();
        var router = NewRouter(fake, [D("openai/light", 1), D("openai/heavy", 4)], BalancingStrategy.WeightedRandom, random: new Random(42));
        var calls = await FirstCalls(router, fake, 500);
        var heavy = calls.Count(c => c == "heavy");
        Assert.InRange(heavy, 350, 450); // 80 % expected; seeded, so deterministic
    }

    [Fact]
    public async Task Each_deployment_gets_one_plus_num_retries_attempts_then_fallbacks_once_each()
    {
        var fake = new FakeProviderClient()
            .Fail("a", Status(503)).Fail("b", Status(500))
            .Fail("deepseek-chat", Status(503)).Succeed("gpt-4o-mini", "fallback");
        var time = new InstantTimeProvider();
        var router = NewRouter(fake, [D("openai/a"), D("openai/b")],
            fallbacks: new Dictionary<string, IReadOnlyList<string>> { ["smart"] = ["deepseek/deepseek-chat", "openai/gpt-4o-mini"] },
            numRetries: 2, time: time);

        var response = await router.CompletionAsync("smart", Hello);

        Assert.Equal("fallback", response.Content);
        Assert.Equal(["a", "a", "a", "b", "b", "b", "deepseek-chat", "gpt-4o-mini"], fake.CalledModels);
        var delays = time.Delays.Select(d => d.TotalSeconds).ToArray();
        Assert.Equal([0.3, 0.6, 0.3, 0.6], delays, (x, y) => Math.Abs(x - y) < 1e-9);
        var stats = router.GetStats()["smart"];
        Assert.Equal(new DeploymentReport("openai/a", 3, 3, 1.0, 0), stats[0]);
        Assert.Equal(new DeploymentReport("openai/b", 3, 3, 1.0, 0), stats[1]);
    }

    [Fact]
    public async Task Non_retryable_failures_move_to_the_next_deployment_at_once()
    {
        var fake = new FakeProviderClient().Fail("a", Status(404));
        var time = new InstantTimeProvider();
        var router = NewRouter(fake, [D("openai/a"), D("openai/b")], numRetries: 2, time: time);
        await router.CompletionAsync("smart", Hello);
        Assert.Equal(["a", "b"], fake.CalledModels);
        Assert.Empty(time.Delays);
    }

    [Fact]
    public async Task All_failing_raises_the_last_error()
    {
        var last = Status(502);
        var fake = new FakeProviderClient().Fail("a", Status(400)).Fail("deepseek-chat", last);
        var router = NewRouter(fake, [D("openai/a")], fallbacks: new Dictionary<string, IReadOnlyList<string>> { ["smart"] = ["deepseek-chat"] });
        Assert.Same(last, await Assert.ThrowsAsync<ProviderException>(() => router.CompletionAsync("smart", Hello)));
    }

    [Fact]
    public async Task Unknown_alias_is_a_plain_completion_with_the_router_timeout()
    {
        var fake = new FakeProviderClient();
        var router = NewRouter(fake, [D("openai/a")]);
        await router.CompletionAsync("gpt-4o", Hello, new CompletionOptions { Timeout = TimeSpan.FromSeconds(3) });
        var call = Assert.Single(fake.Calls);
        Assert.Equal("gpt-4o", call.Model);
        Assert.Equal(TimeSpan.FromSeconds(30), call.Timeout);
        Assert.Equal(0, router.GetStats()["smart"][0].Requests);
    }

    [Fact]
    public async Task Deployment_key_and_base_are_used_for_its_calls()
    {
        var fake = new FakeProviderClient();
        var router = NewRouter(fake, [new RouterDeployment("smart", "openai/a") { ApiKey = "dep-key", ApiBase = "http://dep.test/v1" }]);
        await router.CompletionAsync("smart", Hello);
        var call = Assert.Single(fake.Calls);
        Assert.Equal("dep-key", call.Endpoint.Credentials.ApiKey!.Reveal());
        Assert.Equal("http://dep.test/v1", call.Endpoint.BaseUrl);
        Assert.DoesNotContain("dep-key", router.GetStats().ToString() + new RouterDeployment("x", "y") { ApiKey = "dep-key" });
    }

    [Fact]
    public async Task Stats_count_successes_with_latency()
    {
        var fake = new FakeProviderClient();
        var router = NewRouter(fake, [D("openai/a")]);
        await router.CompletionAsync("smart", Hello);
        await router.CompletionAsync("smart", Hello);
        var s = Assert.Single(router.GetStats()["smart"]);
        Assert.Equal(("openai/a", 2L, 0L, 0.0), (s.Model, s.Requests, s.Errors, s.ErrorRate));
        Assert.True(s.AvgLatencyMs >= 0);
    }

    [Fact]
    public async Task Concurrent_requests_are_all_counted()
    {
        var fake = new FakeProviderClient();
        var router = NewRouter(fake, [D("openai/a"), D("openai/b")]);
        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => router.CompletionAsync("smart", Hello)));
        var stats = router.GetStats()["smart"];
        Assert.Equal(100, stats[0].Requests);
        Assert.Equal(100, stats[1].Requests);
    }

    [Fact]
    public async Task Streams_fail_over_between_deployments_until_the_first_chunk()
    {
        var fake = new FakeProviderClient()
            .Script("a", _ => Status(400))
            .Script("b", _ => new object[] { Chunk("from b"), Chunk("!") });
        var router = NewRouter(fake, [D("openai/a"), D("openai/b")]);
        var texts = new List<string>();
        await foreach (var c in router.StreamAsync("smart", Hello)) texts.Add(c.ContentDelta!);
        Assert.Equal(["from b", "!"], texts);
        var stats = router.GetStats()["smart"];
        Assert.Equal((1L, 1L), (stats[0].Requests, stats[0].Errors));
        Assert.Equal((1L, 0L), (stats[1].Requests, stats[1].Errors));
    }

    [Fact]
    public async Task A_router_stream_failing_after_its_first_chunk_surfaces_and_counts_as_an_error()
    {
        var fake = new FakeProviderClient().Script("a", _ => new object[] { Chunk("x"), Status(503) });
        var router = NewRouter(fake, [D("openai/a"), D("openai/b")]);
        await Assert.ThrowsAsync<ProviderException>(async () =>
        {
            await foreach (var _ in router.StreamAsync("smart", Hello)) { }
        });
        Assert.Equal(["a"], fake.CalledModels);
        Assert.Equal(1, router.GetStats()["smart"][0].Errors);
    }

    [Fact]
    public void Configuration_is_validated()
    {
        var fake = new FakeProviderClient();
        Assert.Throws<ArgumentException>(() => NewRouter(fake, [D("openai/a", 0), D("openai/b", 0)], BalancingStrategy.WeightedRandom));
        Assert.Throws<ArgumentException>(() => NewRouter(fake, [new RouterDeployment("", "openai/a")]));
        Assert.Throws<ArgumentOutOfRangeException>(() => NewRouter(fake, [D("openai/a")], numRetries: -1));
    }
}
