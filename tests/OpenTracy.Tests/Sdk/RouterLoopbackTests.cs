using OpenTracy.Balancing;
using OpenTracy.Wire;
using static OpenTracy.Tests.Sdk.SdkMockFixture;

namespace OpenTracy.Tests.Sdk;

/// <summary>The Router against the mock over loopback: each strategy's order seen as the models the upstream received.</summary>
public class RouterLoopbackTests(SdkMockFixture fx) : IClassFixture<SdkMockFixture>
{
    private static ChatMessage[] Say(string text) => [ChatMessage.User(text)];

    private Router NewRouter(BalancingStrategy strategy, IEnumerable<RouterDeployment> list, int numRetries = 0,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? fallbacks = null, Random? random = null, TimeProvider? time = null)
        => new(list, fallbacks, strategy, numRetries, TimeSpan.FromSeconds(30), fx.Client(time: time ?? new InstantTimeProvider()), random);

    private static RouterDeployment D(string model, double weight = 1) => new("smart", model) { Weight = weight };

    [Fact]
    public async Task Round_robin_rotates_across_calls()
    {
        var id = NewId("rr");
        var router = NewRouter(BalancingStrategy.RoundRobin, [D("openai/gpt-4o"), D("openai/gpt-4o-mini"), D("deepseek/deepseek-chat")]);
        for (var i = 0; i < 4; i++) await router.CompletionAsync("smart", Say($"x [mock id={id}]"));
        Assert.Equal(["gpt-4o", "gpt-4o-mini", "deepseek-chat", "gpt-4o"], fx.RequestedModels(id));
    }

    [Fact]
    public async Task Least_cost_tries_models_cheapest_first_by_the_price_table()
    {
        var id = NewId("lc");
        // gpt-4o 2.50+10.00, o3-mini 1.10+4.40, gpt-4o-mini 0.15+0.60 per 1M; an unpriced model goes last.
        var router = NewRouter(BalancingStrategy.LeastCost, [D("openai/no-such-price"), D("openai/gpt-4o"), D("openai/o3-mini"), D("openai/gpt-4o-mini")]);
        await router.CompletionAsync("smart", Say($"x [mock id={id} status=400 fail-times=3]"));
        Assert.Equal(["gpt-4o-mini", "o3-mini", "gpt-4o", "no-such-price"], fx.RequestedModels(id));
    }

    [Fact]
    public async Task Lowest_latency_moves_to_the_measured_faster_deployment()
    {
        var router = NewRouter(BalancingStrategy.LowestLatency, [D("openai/gpt-4o"), D("openai/gpt-4o-mini")], time: TimeProvider.System);
        var slow = NewId("ll-slow");
        await router.CompletionAsync("smart", Say($"x [mock id={slow} delay-ms=2000]"));          // gpt-4o: ≥ 2000 ms
        var fail = NewId("ll-fail");
        await router.CompletionAsync("smart", Say($"x [mock id={fail} status=400 fail-times=1]")); // gpt-4o fails (avg ≥ 1000 ms), gpt-4o-mini answers
        var after = NewId("ll-after");
        await router.CompletionAsync("smart", Say($"x [mock id={after}]"));

        Assert.Equal(["gpt-4o"], fx.RequestedModels(slow));
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], fx.RequestedModels(fail));
        Assert.Equal(["gpt-4o-mini"], fx.RequestedModels(after));
        var stats = router.GetStats()["smart"];
        Assert.True(stats[0].AvgLatencyMs >= 1000 - 30, $"average {stats[0].AvgLatencyMs} ms"); // (≥ 2000 + failure) / 2, less one OS timer tick
        Assert.Equal((2L, 1L), (stats[0].Requests, stats[0].Errors));
    }

    [Fact]
    public async Task Weighted_random_never_starts_with_a_zero_weight_deployment()
    {
        var id = NewId("wr");
        var router = NewRouter(BalancingStrategy.WeightedRandom, [D("openai/gpt-4o", 0), D("openai/gpt-4o-mini", 1)], random: new Random(3));
        for (var i = 0; i < 3; i++) await router.CompletionAsync("smart", Say($"x [mock id={id}]"));
        Assert.Equal(["gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini"], fx.RequestedModels(id));
    }

    [Fact]
    public async Task Deployments_retry_then_fallbacks_run_once_each()
    {
        var id = NewId("rfb");
        var time = new InstantTimeProvider();
        var router = NewRouter(BalancingStrategy.RoundRobin, [D("openai/gpt-4o")], numRetries: 2,
            fallbacks: new Dictionary<string, IReadOnlyList<string>> { ["smart"] = ["deepseek/deepseek-chat", "groq/llama-3.3-70b-versatile"] }, time: time);
        var response = await router.CompletionAsync("smart", Say($"x [mock id={id} status=503 fail-times=4]"));

        Assert.Equal(["gpt-4o", "gpt-4o", "gpt-4o", "deepseek-chat", "llama-3.3-70b-versatile"], fx.RequestedModels(id));
        Assert.Equal([0.3, 0.6], time.Delays.Select(d => Math.Round(d.TotalSeconds, 3)).ToArray());
        Assert.Equal("groq", response.Provider);
        Assert.Equal(new DeploymentReport("openai/gpt-4o", 3, 3, 1.0, 0), router.GetStats()["smart"][0]);
    }

    [Fact]
    public async Task Router_streams_fail_over_before_the_first_chunk()
    {
        var id = NewId("rstream");
        var router = NewRouter(BalancingStrategy.RoundRobin, [D("openai/gpt-4o"), D("anthropic/claude-sonnet-4-6")]);
        var text = "";
        await foreach (var c in router.StreamAsync("smart", Say($"s t [mock id={id} status=500 fail-times=1]"))) text += c.ContentDelta;
        Assert.Equal("echo: s t", text);
        Assert.Equal(["/v1/chat/completions", "/v1/messages"], fx.Requests(id).Select(r => r.Path).ToArray());
    }
}
