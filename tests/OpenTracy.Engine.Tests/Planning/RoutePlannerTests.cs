using OpenTracy.Pricing;
using OpenTracy.Engine.Configuration;
using OpenTracy.Engine.Errors;
using OpenTracy.Engine.Planning;
using OpenTracy.Engine.Tests.Support;
using OpenTracy.Providers;

namespace OpenTracy.Engine.Tests.Planning;

public sealed class RoutePlannerTests
{
    private static RoutePlanner Planner(string? hocon = null, IReadOnlyDictionary<string, string?>? env = null, PriceList? prices = null,
        DeploymentStats? stats = null, Random? random = null)
    {
        var environment = env ?? TestEngine.DefaultEnvironment;
        return new RoutePlanner(TestEngine.Settings(hocon), new ProviderEnvironment(n => environment.TryGetValue(n, out var v) ? v : null),
            prices ?? new PriceList([]), stats ?? new DeploymentStats(), random);
    }

    private static RoutePlan PlanOf(RoutePlanner planner, string model, IReadOnlyList<string>? fallbacks = null, int? numRetries = null)
    {
        var result = planner.Plan(TestEngine.Request(model, fallbacks, numRetries));
        Assert.Null(result.Error);
        return result.Plan!;
    }

    private static EngineError ErrorOf(RoutePlanner planner, string model, IReadOnlyList<string>? fallbacks = null)
    {
        var result = planner.Plan(TestEngine.Request(model, fallbacks));
        Assert.Null(result.Plan);
        return result.Error!;
    }

    private static IEnumerable<string> Names(RoutePlan plan) => plan.Candidates.Select(c => c.Deployment.DisplayName);

    private const string ThreeWayGroup = """
        opentracy.model-groups.trio {
          strategy = STRATEGY
          deployments = [
            { model = "openai/a" }
            { model = "openai/b" }
            { model = "openai/c" }
          ]
        }
        """;

    [Fact]
    public void Plain_model_resolves_provider_endpoint_and_bare_model()
    {
        var plan = PlanOf(Planner(), "openai/gpt-4o-mini");

        var d = Assert.Single(plan.Candidates).Deployment;
        Assert.Equal("openai/gpt-4o-mini", d.DisplayName);
        Assert.Equal("gpt-4o-mini", d.Model);
        Assert.Equal("openai", d.ProviderName);
        Assert.Equal("https://api.openai.com/v1", d.Endpoint.BaseUrl);
        Assert.True(d.Endpoint.Credentials.IsPresent);
    }

    [Fact]
    public void Bare_name_resolves_by_prefix_rules()
    {
        var d = Assert.Single(PlanOf(Planner(), "claude-3-5-haiku").Candidates).Deployment;

        Assert.Equal("anthropic", d.ProviderName);
        Assert.Equal("claude-3-5-haiku", d.Model);
    }

    [Fact]
    public void Body_fallbacks_follow_the_model_in_order()
    {
        var plan = PlanOf(Planner(), "openai/a", ["anthropic/b", "gpt-4o"], numRetries: 2);

        Assert.Equal(["openai/a", "anthropic/b", "gpt-4o"], Names(plan));
        Assert.All(plan.Candidates, c => Assert.Equal(2, c.NumRetries));
    }

    [Theory]
    [InlineData("")]
    [InlineData("auto")]
    public void Auto_or_empty_model_needs_semantic_routing(string model)
    {
        var error = ErrorOf(Planner(), model);

        Assert.Equal(400, error.Status);
        Assert.Equal("semantic routing not available; specify a model name", error.Message);
    }

    [Fact]
    public void Unknown_model_is_404_model_not_found()
    {
        var error = ErrorOf(Planner(), "mystery-model");

        Assert.Equal(404, error.Status);
        Assert.Equal("no provider found for model \"mystery-model\"", error.Message);
        Assert.Equal("model_not_found", error.Body.Error.Code);
    }

    [Fact]
    public void Unknown_fallback_is_an_error_too()
    {
        var error = ErrorOf(Planner(), "openai/a", ["nope/x"]);

        Assert.Equal(404, error.Status);
        Assert.Contains("\"nope/x\"", error.Message);
    }

    [Fact]
    public void Provider_without_key_at_its_public_url_is_not_configured()
    {
        var error = ErrorOf(Planner(), "groq/llama-3.1-8b-instant");

        Assert.Equal(400, error.Status);
        Assert.Equal("provider \"groq\" for model \"groq/llama-3.1-8b-instant\" not configured", error.Message);
    }

    [Fact]
    public void Provider_without_key_but_with_a_base_url_override_may_go_out_keyless()
    {
        var planner = Planner(env: new Dictionary<string, string?> { ["GROQ_BASE_URL"] = "http://127.0.0.1:9/openai/v1/" });

        var d = Assert.Single(PlanOf(planner, "groq/llama").Candidates).Deployment;

        Assert.Equal("http://127.0.0.1:9/openai/v1", d.Endpoint.BaseUrl);
        Assert.False(d.Endpoint.Credentials.IsPresent);
    }

    [Fact]
    public void Azure_without_endpoint_is_not_configured()
        => Assert.Equal(400, ErrorOf(Planner(env: new Dictionary<string, string?> { ["AZURE_OPENAI_API_KEY"] = "k" }), "azure/my-deployment").Status);

    [Fact]
    public void Num_retries_is_capped_by_configuration()
    {
        var plan = PlanOf(Planner("opentracy.upstream.max-num-retries = 3"), "openai/a", numRetries: 1000);

        Assert.Equal(3, plan.Candidates[0].NumRetries);
    }

    [Fact]
    public void Round_robin_rotates_on_every_request()
    {
        var planner = Planner(ThreeWayGroup.Replace("STRATEGY", "round-robin"));

        var orders = Enumerable.Range(0, 4).Select(_ => string.Join(",", Names(PlanOf(planner, "trio")))).ToList();

        Assert.Equal(["openai/a,openai/b,openai/c", "openai/b,openai/c,openai/a", "openai/c,openai/a,openai/b", "openai/a,openai/b,openai/c"], orders);
    }

    [Fact]
    public void Least_cost_sorts_by_summed_price_with_unknown_models_last()
    {
        var prices = new PriceList([new ModelPrice("b", 1, 1), new ModelPrice("c", 0.1, 0.2)]);
        var planner = Planner(ThreeWayGroup.Replace("STRATEGY", "least-cost"), prices: prices);

        Assert.Equal(["openai/c", "openai/b", "openai/a"], Names(PlanOf(planner, "trio")));
    }

    [Fact]
    public void Lowest_latency_sorts_by_average_latency_with_untried_deployments_last()
    {
        var stats = new DeploymentStats();
        var planner = Planner(ThreeWayGroup.Replace("STRATEGY", "lowest-latency"), stats: stats);
        stats.RecordSuccess("group:trio#1", TimeSpan.FromMilliseconds(300));
        stats.RecordSuccess("group:trio#2", TimeSpan.FromMilliseconds(100));
        stats.RecordFailure("group:trio#2"); // failures count in the denominator: (100)/2 = 50 ms

        Assert.Equal(["openai/c", "openai/b", "openai/a"], Names(PlanOf(planner, "trio")));
    }

    [Fact]
    public void Weighted_random_is_a_permutation_and_zero_weights_come_last()
    {
        const string hocon = """
            opentracy.model-groups.w {
              strategy = weighted-random
              deployments = [ { model = "openai/zero", weight = 0 }, { model = "openai/a", weight = 1 }, { model = "openai/b", weight = 3 } ]
            }
            """;
        var planner = Planner(hocon, random: new Random(42));
        var firsts = new Dictionary<string, int>();

        for (var i = 0; i < 400; i++)
        {
            var names = Names(PlanOf(planner, "w")).ToList();
            Assert.Equal(["openai/a", "openai/b", "openai/zero"], names.Order());
            Assert.Equal("openai/zero", names[^1]);
            firsts[names[0]] = firsts.GetValueOrDefault(names[0]) + 1;
        }
        // Weight 3 against 1: b leads far more often than a (exact counts depend on the seed only).
        Assert.True(firsts["openai/b"] > 2 * firsts["openai/a"], $"b first {firsts["openai/b"]} times, a {firsts["openai/a"]}");
    }

    [Fact]
    public void Group_expands_to_deployments_then_group_fallbacks_then_body_fallbacks()
    {
        const string hocon = """
            opentracy.model-groups.fast {
              strategy = round-robin
              num-retries = 2
              deployments = [ { model = "openai/a" }, { model = "anthropic/b" } ]
              fallbacks = [ "openai/c" ]
            }
            """;
        var plan = PlanOf(Planner(hocon), "fast", ["openai/d"]);

        Assert.Equal(["openai/a", "anthropic/b", "openai/c", "openai/d"], Names(plan));
        Assert.Equal([2, 2, 2, 0], plan.Candidates.Select(c => c.NumRetries));
    }

    [Fact]
    public void Body_num_retries_wins_over_the_groups()
    {
        const string hocon = "opentracy.model-groups.g { num-retries = 2, deployments = [ { model = \"openai/a\" } ] }";

        Assert.Equal(5, PlanOf(Planner(hocon), "g", numRetries: 5).Candidates[0].NumRetries);
    }

    [Fact]
    public void Deployment_keys_and_bases_come_from_its_own_settings()
    {
        const string hocon = """
            opentracy.model-groups.g {
              deployments = [
                { model = "openai/a", api-key-env = "SECOND_OPENAI_KEY", api-base = "http://127.0.0.1:9/v1" }
                { model = "openai/b", api-key-env = "UNSET_KEY" }
                { model = "openai/c" }
              ]
            }
            """;
        var env = new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "main", ["SECOND_OPENAI_KEY"] = "second" };

        var plan = PlanOf(Planner(hocon, env), "g");

        // b's own key variable is unset and it would go to the public URL: skipped, not sent with another key.
        Assert.Equal(["openai/a", "openai/c"], Names(plan));
        var a = plan.Candidates[0].Deployment.Endpoint;
        Assert.Equal("http://127.0.0.1:9/v1", a.BaseUrl);
        Assert.Equal(new OpenTracy.Secret("second").Fingerprint, a.Credentials.Fingerprint);
        Assert.Equal(new OpenTracy.Secret("main").Fingerprint, plan.Candidates[1].Deployment.Endpoint.Credentials.Fingerprint);
    }

    [Fact]
    public void Group_with_no_usable_deployment_reports_the_first_problem()
    {
        const string hocon = "opentracy.model-groups.g { deployments = [ { model = \"groq/x\" } ] }";

        Assert.Equal("provider \"groq\" for model \"groq/x\" not configured", ErrorOf(Planner(hocon), "g").Message);
    }

    [Fact]
    public void Weighted_random_with_only_zero_weights_is_refused_at_start()
    {
        const string hocon = "opentracy.model-groups.g { strategy = weighted-random, deployments = [ { model = \"openai/a\", weight = 0 } ] }";

        Assert.Throws<Akka.Configuration.ConfigurationException>(() => Planner(hocon));
    }
}
