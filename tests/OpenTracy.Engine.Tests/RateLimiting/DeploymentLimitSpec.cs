using Akka.Actor;
using Akka.TestKit.Xunit2;
using OpenTracy.Engine.Configuration;
using OpenTracy.Engine.Planning;
using OpenTracy.Engine.RateLimiting;
using OpenTracy.Engine.Requests;
using OpenTracy.Engine.Tests.Support;
using Xunit.Abstractions;

namespace OpenTracy.Engine.Tests.RateLimiting;

/// <summary>
/// A model-group deployment's own limit (rpm/tpm/burst), enforced by the same limiter entities and node
/// cache as provider-key limits. The shard region is stood in for by a router that starts one real
/// <see cref="ProviderKeyLimiter"/> per entity id. Limiters start empty, so each test first configures and
/// fills ("primes") the entities it uses, then sends requests at rpm = 1: no permit refills during a test,
/// so what is granted is exactly the burst, with no timing in the assertions.
/// </summary>
public sealed class DeploymentLimitSpec(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private const string OpenAiKey = "sk-test-openai";

    /// <summary>Leased permits stay on the node for the whole test (the default 1 s would hand them back mid-test).</summary>
    private const string LongLeases = "opentracy.rate-limiting.lease-ttl = 60s\n";

    private readonly ScriptedProviderClient _client = new();

    /// <summary>Stands in for the shard region: one limiter entity per id, started on first use.</summary>
    private sealed class EntityRouter : ReceiveActor
    {
        public EntityRouter(RateLimitSettings settings)
        {
            Receive<ILimiterEntityMessage>(m =>
            {
                var name = Uri.EscapeDataString(m.EntityId);
                var child = Context.Child(name);
                if (child.IsNobody()) child = Context.ActorOf(ProviderKeyLimiter.Props(m.EntityId, settings), name);
                child.Forward(m);
            });
        }
    }

    private sealed record Node(IActorRef Supervisor, IActorRef Region, EngineServices Services);

    private Node Start(string overrides)
    {
        var config = TestEngine.Config(LongLeases + overrides);
        var settings = RateLimitSettings.FromConfig(config);
        var region = Sys.ActorOf(Props.Create(() => new EntityRouter(settings)));
        var limits = new RateLimits(settings) { Cache = Sys.ActorOf(PermitCache.Props(region, settings)) };
        var services = TestEngine.Services(_client, LongLeases + overrides) with { RateLimits = limits };
        return new Node(Sys.ActorOf(RequestsSupervisor.Props(services)), region, services);
    }

    /// <summary>Configures the entity with its limit and fills its bucket to burst (an operator's reset).</summary>
    private void Prime(Node node, string entityId, LimitSpec limit)
    {
        var probe = CreateTestProbe();
        node.Region.Tell(new LeasePermits(entityId, 0, limit), probe.Ref);
        probe.ExpectMsg<PermitsLeased>(Patience);
        Reset(node, entityId);
    }

    private void Reset(Node node, string entityId)
    {
        var probe = CreateTestProbe();
        node.Region.Tell(new ResetLimiter(entityId), probe.Ref);
        probe.FishForMessage(m => m is LimiterWasReset, Patience);
    }

    private static Deployment FirstDeployment(Node node, string alias)
        => node.Services.Planner.Plan(TestEngine.Request(alias)).Plan!.Candidates[0].Deployment;

    private ICompletionReply Send(Node node, string model)
    {
        node.Supervisor.Tell(new ChatCompletionRequest(Guid.NewGuid().ToString("N"), TestEngine.Request(model)));
        return ExpectMsg<ICompletionReply>(Patience);
    }

    [Fact]
    public void A_deployment_out_of_permits_sends_the_request_to_the_next_deployment_of_the_group()
    {
        // least-cost puts m2 (cheaper) first every time; only m2 is limited: burst 2.
        var node = Start("""
            opentracy.model-groups.pair {
              strategy = least-cost
              deployments = [ { model = "openai/m2", rpm = 1, burst = 2 }, { model = "openai/m1" } ]
            }
            """);
        var limited = FirstDeployment(node, "pair");
        Assert.Equal("m2", limited.Model);
        Prime(node, limited.Limit!.EntityId, limited.Limit.Limit);

        var served = Enumerable.Range(0, 3).Select(_ => Assert.IsType<CompletionAnswered>(Send(node, "pair")).Route).ToList();

        Assert.Equal(["openai/m2", "openai/m2", "openai/m1"], served.Select(r => r.SelectedModel));
        Assert.Equal(2, served[2].Attempts); // m2 refused at once (not the last candidate), then m1
        Assert.Equal(["m2", "m2", "m1"], _client.Calls.Select(c => c.Request.Model));
    }

    [Fact]
    public void The_last_candidate_out_of_deployment_permits_answers_429_with_retry_after_naming_the_deployment()
    {
        var node = Start("""
            opentracy.model-groups.solo.deployments = [ { model = "openai/m2", rpm = 1, burst = 1 } ]
            """);
        var limited = FirstDeployment(node, "solo");
        Prime(node, limited.Limit!.EntityId, limited.Limit.Limit);

        Assert.IsType<CompletionAnswered>(Send(node, "solo"));
        var failed = Assert.IsType<CompletionFailed>(Send(node, "solo"));

        Assert.Equal(429, failed.Error.Status);
        Assert.Equal("rate_limit_exceeded", failed.Error.Body.Error.Code);
        Assert.True(failed.Error.RetryAfter >= TimeSpan.FromSeconds(1), $"retry after {failed.Error.RetryAfter}");
        Assert.Contains("deployment openai/m2", failed.Error.Body.Error.Message);
        Assert.DoesNotContain(OpenAiKey, failed.Error.Body.Error.Message);
        Assert.Single(_client.Calls);
    }

    [Fact]
    public void A_call_holds_a_permit_of_the_deployment_and_of_its_key_and_releases_the_one_it_could_not_use()
    {
        // The key allows 1 at once, the deployment 2.
        var node = Start("""
            opentracy.rate-limits.openai { requests-per-minute = 1, burst = 1 }
            opentracy.model-groups.solo.deployments = [ { model = "openai/m2", rpm = 1, burst = 2 } ]
            """);
        var deployment = FirstDeployment(node, "solo");
        var keyEntity = RateLimits.EntityId(deployment);
        Prime(node, deployment.Limit!.EntityId, deployment.Limit.Limit);
        Prime(node, keyEntity, new LimitSpec(1, 0, 1));

        Assert.IsType<CompletionAnswered>(Send(node, "solo"));
        // The deployment has a permit left, the key has none: refused, naming the provider.
        var keyRefused = Assert.IsType<CompletionFailed>(Send(node, "solo"));
        Assert.Equal(429, keyRefused.Error.Status);
        Assert.Contains("provider openai", keyRefused.Error.Body.Error.Message);

        // The key is refilled by hand. The deployment's second permit was released, not burnt, so this one passes...
        Reset(node, keyEntity);
        Assert.IsType<CompletionAnswered>(Send(node, "solo"));
        // ...and now the deployment is the one out of permits (its burst of 2 is spent on two upstream calls).
        Reset(node, keyEntity);
        var deploymentRefused = Assert.IsType<CompletionFailed>(Send(node, "solo"));
        Assert.Equal(429, deploymentRefused.Error.Status);
        Assert.Contains("deployment openai/m2", deploymentRefused.Error.Body.Error.Message);
        Assert.Equal(2, _client.Calls.Count);
    }

    [Fact]
    public void A_deployment_limit_has_its_own_entity_whose_id_never_holds_the_key_and_is_the_same_on_every_node()
    {
        const string overrides = """
            opentracy.rate-limits.openai { requests-per-minute = 600, burst = 5, max-wait = 2s }
            opentracy.model-groups.g {
              deployments = [
                { model = "openai/m2", api-key-env = "OPENAI_KEY_B", rpm = 60, tpm = 1000, burst = 2, max-wait = 500ms }
                { model = "openai/m1", api-key-env = "OPENAI_KEY_B", rpm = 60 }
                { model = "openai/m1" }
              ]
            }
            """;
        const string secondKey = "sk-second-key-B";
        var env = new Dictionary<string, string?>(TestEngine.DefaultEnvironment) { ["OPENAI_KEY_B"] = secondKey };
        var services = TestEngine.Services(_client, overrides, env);
        var again = TestEngine.Services(_client, overrides, env);
        var limits = new RateLimits(RateLimitSettings.FromConfig(TestEngine.Config(overrides))) { Cache = TestActor };
        var settings = services.Settings.ModelGroups["g"].Deployments;
        Assert.Equal(new DeploymentSettings("openai/m2", "OPENAI_KEY_B", null, 1.0, 60, 1000, 2, TimeSpan.FromMilliseconds(500)), settings[0]);

        var plan = services.Planner.Plan(TestEngine.Request("g")).Plan!.Candidates.Select(c => c.Deployment).OrderBy(d => d.StatsKey).ToList();
        var planAgain = again.Planner.Plan(TestEngine.Request("g")).Plan!.Candidates.Select(c => c.Deployment).OrderBy(d => d.StatsKey).ToList();
        Assert.Null(plan[2].Limit);
        var ids = plan.Take(2).Select(d => d.Limit!.EntityId).ToList();
        Assert.Equal(ids, planAgain.Take(2).Select(d => d.Limit!.EntityId));
        Assert.NotEqual(ids[0], ids[1]);
        Assert.All(ids, id =>
        {
            Assert.StartsWith("openai-dep-", id);
            Assert.DoesNotContain(secondKey, id);
            Assert.DoesNotContain(OpenAiKey, id);
        });

        // Not the last candidate: both limits, deployment first, no waiting.
        var policy = limits.PolicyFor(plan[0], lastCandidate: false)!;
        Assert.Equal((ids[0], new LimitSpec(60, 1000, 2), TimeSpan.Zero), (policy.EntityId, policy.Limit, policy.MaxWait));
        Assert.Equal(RateLimits.EntityId(plan[0]), policy.And!.EntityId);
        Assert.NotEqual(policy.EntityId, policy.And.EntityId);
        Assert.Null(policy.And.And);
        // The last candidate waits up to each limit's own max-wait.
        var last = limits.PolicyFor(plan[0], lastCandidate: true)!;
        Assert.Equal((TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2)), (last.MaxWait, last.And!.MaxWait));
        // A deployment without its own limit keeps the key's alone.
        var keyOnly = limits.PolicyFor(plan[2], lastCandidate: true)!;
        Assert.Equal(RateLimits.EntityId(plan[2]), keyOnly.EntityId);
        Assert.Null(keyOnly.And);
    }

    [Theory]
    [InlineData("rpm = -1")]
    [InlineData("tpm = -5")]
    [InlineData("rpm = 10, burst = 0")]
    public void Invalid_deployment_limits_are_refused_at_start(string limit)
    {
        Assert.Throws<Akka.Configuration.ConfigurationException>(() => TestEngine.Settings(
            $"opentracy.model-groups.g.deployments = [ {{ model = \"openai/m1\", {limit} }} ]"));
    }
}
