using OpenTracy.Balancing;

namespace OpenTracy.Tests.Balancing;

/// <summary>Reference §6 strategy semantics on the shared balancer.</summary>
public class DeploymentBalancerTests
{
    private sealed record Dep(string Model, double Weight = 1.0) : IBalancedDeployment
    {
        public DeploymentStats Stats { get; } = new();
    }

    private static string[] Models<T>(IReadOnlyList<T> ordered) where T : IBalancedDeployment => [.. ordered.Select(d => d.Model)];

    [Fact]
    public void Round_robin_rotates_per_alias_on_every_call()
    {
        var balancer = new DeploymentBalancer(BalancingStrategy.RoundRobin);
        Dep[] group = [new("a"), new("b"), new("c")];
        Dep[] other = [new("x"), new("y")];

        Assert.Equal(["a", "b", "c"], Models(balancer.Order("g", group)));
        Assert.Equal(["b", "c", "a"], Models(balancer.Order("g", group)));
        Assert.Equal(["x", "y"], Models(balancer.Order("h", other)));
        Assert.Equal(["c", "a", "b"], Models(balancer.Order("g", group)));
        Assert.Equal(["a", "b", "c"], Models(balancer.Order("g", group)));
        Assert.Equal(["y", "x"], Models(balancer.Order("h", other)));
    }

    [Fact]
    public void Round_robin_is_fair_under_concurrency()
    {
        var balancer = new DeploymentBalancer(BalancingStrategy.RoundRobin);
        Dep[] group = [new("a"), new("b"), new("c")];
        const int calls = 3_000;
        var firsts = new string[calls];
        Parallel.For(0, calls, i => firsts[i] = balancer.Order("g", group)[0].Model);
        Assert.All(firsts.GroupBy(f => f), g => Assert.Equal(calls / 3, g.Count()));
    }

    [Fact]
    public void Least_busy_puts_the_fewest_in_flight_first_and_equally_busy_ones_keep_rotating()
    {
        var balancer = new DeploymentBalancer(BalancingStrategy.LeastBusy);
        Dep[] group = [new("a"), new("b"), new("c")];
        group[0].Stats.Enter();
        group[0].Stats.Enter();
        group[2].Stats.Enter();

        Assert.Equal(["b", "c", "a"], Models(balancer.Order("g", group)));
        Assert.Equal(["b", "c", "a"], Models(balancer.Order("g", group))); // rotation b,c,a: b is the least busy anyway

        group[0].Stats.Leave();
        group[0].Stats.Leave();
        group[2].Stats.Leave();
        // All idle: plain rotation (its third turn starts at c).
        Assert.Equal(["c", "a", "b"], Models(balancer.Order("g", group)));
        Assert.Equal(["a", "b", "c"], Models(balancer.Order("g", group)));
    }

    [Fact]
    public void Groups_of_one_are_returned_as_they_are()
    {
        var balancer = new DeploymentBalancer(BalancingStrategy.WeightedRandom);
        Dep[] single = [new("only", 0)];
        Assert.Same(single, balancer.Order("g", single));
    }

    [Fact]
    public void Least_cost_sorts_by_price_stably_with_unknown_models_last()
    {
        var prices = new Dictionary<string, double> { ["p/mid"] = 5, ["p/cheap"] = 1, ["p/cheap2"] = 1, ["p/dear"] = 9 };
        var balancer = new DeploymentBalancer(BalancingStrategy.LeastCost, m => prices.TryGetValue(m, out var p) ? p : null);
        Dep[] group = [new("p/unknown"), new("p/dear"), new("p/cheap"), new("p/mid"), new("p/cheap2")];
        Assert.Equal(["p/cheap", "p/cheap2", "p/mid", "p/dear", "p/unknown"], Models(balancer.Order("g", group)));
    }

    [Fact]
    public void Lowest_latency_sorts_by_average_over_all_attempts_with_untried_last()
    {
        var balancer = new DeploymentBalancer(BalancingStrategy.LowestLatency);
        Dep slow = new("slow"), fast = new("fast"), flaky = new("flaky"), fresh = new("fresh");
        slow.Stats.RecordSuccess(TimeSpan.FromMilliseconds(300));
        fast.Stats.RecordSuccess(TimeSpan.FromMilliseconds(100));
        // 120 ms once, plus a failure: the failure counts in the denominator → 60 ms average.
        flaky.Stats.RecordSuccess(TimeSpan.FromMilliseconds(120));
        flaky.Stats.RecordFailure();
        Assert.Equal(["flaky", "fast", "slow", "fresh"], Models(balancer.Order("g", new[] { fresh, slow, fast, flaky })));
    }

    [Fact]
    public void Weighted_random_is_a_full_permutation_biased_by_weight()
    {
        var balancer = new DeploymentBalancer(BalancingStrategy.WeightedRandom, random: new Random(1234));
        Dep[] group = [new("light", 1), new("heavy", 9)];
        const int draws = 2_000;
        var heavyFirst = 0;
        for (var i = 0; i < draws; i++)
        {
            var order = Models(balancer.Order("g", group));
            Assert.Equal(["heavy", "light"], order.Order().ToArray());
            if (order[0] == "heavy") heavyFirst++;
        }
        // Expected 90 %; the seeded draw is deterministic, the band only documents the intent.
        Assert.InRange(heavyFirst, draws * 85 / 100, draws * 95 / 100);
    }

    [Fact]
    public void Weighted_random_puts_zero_weights_last_in_list_order()
    {
        var balancer = new DeploymentBalancer(BalancingStrategy.WeightedRandom, random: new Random(7));
        Dep[] group = [new("z1", 0), new("a", 1), new("z2", 0), new("b", 1)];
        for (var i = 0; i < 50; i++)
        {
            var order = Models(balancer.Order("g", group));
            Assert.Equal(["z1", "z2"], order[2..]);
            Assert.Equal(["a", "b"], order[..2].Order().ToArray());
        }
    }

    [Fact]
    public void Weights_are_validated_where_groups_are_configured()
    {
        Assert.Throws<ArgumentException>(() => DeploymentBalancer.ValidateWeights("g", new[] { new Dep("a", -1) }, BalancingStrategy.RoundRobin));
        Assert.Throws<ArgumentException>(() => DeploymentBalancer.ValidateWeights("g", new[] { new Dep("a", double.NaN) }, BalancingStrategy.RoundRobin));
        Assert.Throws<ArgumentException>(() => DeploymentBalancer.ValidateWeights("g", new[] { new Dep("a", 0), new Dep("b", 0) }, BalancingStrategy.WeightedRandom));
        DeploymentBalancer.ValidateWeights("g", new[] { new Dep("a", 0), new Dep("b", 0) }, BalancingStrategy.RoundRobin);
    }

    [Theory]
    [InlineData("round-robin", BalancingStrategy.RoundRobin)]
    [InlineData("least-cost", BalancingStrategy.LeastCost)]
    [InlineData("lowest-latency", BalancingStrategy.LowestLatency)]
    [InlineData("Weighted-Random", BalancingStrategy.WeightedRandom)]
    [InlineData("least-busy", BalancingStrategy.LeastBusy)]
    public void Strategy_names_parse(string name, BalancingStrategy expected)
    {
        Assert.Equal(expected, BalancingStrategyNames.Parse(name));
        Assert.Equal(name.ToLowerInvariant(), expected.ToName());
    }

    [Fact]
    public void Unknown_strategy_names_are_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => BalancingStrategyNames.Parse("fastest"));
        Assert.Contains("round-robin", ex.Message);
    }

    [Fact]
    public void Stats_report_rates_and_averages()
    {
        var stats = new DeploymentStats();
        Assert.Equal(0, stats.Snapshot().AvgLatencyMs);
        Assert.Equal(double.PositiveInfinity, stats.Snapshot().LatencyRank);
        stats.RecordSuccess(TimeSpan.FromMilliseconds(90));
        stats.RecordFailure();
        stats.RecordFailure();
        var s = stats.Snapshot();
        Assert.Equal((3, 2), (s.Requests, s.Errors));
        Assert.Equal(2.0 / 3, s.ErrorRate, 12);
        Assert.Equal(30, s.AvgLatencyMs, 9);
    }
}
