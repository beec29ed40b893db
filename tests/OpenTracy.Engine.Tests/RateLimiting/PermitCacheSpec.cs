using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using OpenTracy.Engine.RateLimiting;
using OpenTracy.Engine.Tests.Support;
using Xunit.Abstractions;

namespace OpenTracy.Engine.Tests.RateLimiting;

/// <summary>
/// Node-local caches leasing from one limiter entity (standing in for the shard region), with every
/// message serialized: grants, refusals with Retry-After, the cluster-wide total, cooldown fan-out.
/// </summary>
public sealed class PermitCacheSpec(ITestOutputHelper output) : TestKit(LimiterSpecConfig.Config, output: output)
{
    private const string Entity = "openai-0123456789ab";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly RateLimitSettings _settings = RateLimitSettings.FromConfig(TestEngine.Config());

    private (IActorRef Limiter, IActorRef CacheA, IActorRef CacheB) Start()
    {
        var limiter = Sys.ActorOf(ProviderKeyLimiter.Props(Entity, _settings));
        return (limiter, Sys.ActorOf(PermitCache.Props(limiter, _settings)), Sys.ActorOf(PermitCache.Props(limiter, _settings)));
    }

    [Fact]
    public void A_permit_is_granted_once_the_empty_limiter_refills()
    {
        var (_, cache, _) = Start();
        cache.Tell(new AcquirePermit(Entity, new LimitSpec(6000, 0, 10), TimeSpan.FromSeconds(2)));
        ExpectMsg<PermitGranted>(Patience);
    }

    [Fact]
    public void Without_a_permit_in_time_the_answer_is_a_refusal_with_retry_after()
    {
        var (_, cache, _) = Start();
        // 6 per minute: the first permit is 10 s away, far beyond max-wait 0 (+ min-wait).
        cache.Tell(new AcquirePermit(Entity, new LimitSpec(6, 0, 1), TimeSpan.Zero));
        var denied = ExpectMsg<PermitDenied>(Patience);
        Assert.True(denied.RetryAfter >= TimeSpan.FromSeconds(1), $"retry after {denied.RetryAfter}");
    }

    [Fact]
    public void Two_caches_together_never_get_more_than_burst_plus_rate_times_time()
    {
        var (_, a, b) = Start();
        var limit = new LimitSpec(RequestsPerMinute: 600, TokensPerMinute: 0, Burst: 5);
        var clock = Stopwatch.StartNew();
        var granted = 0;
        var window = TimeSpan.FromSeconds(2);
        // Runs for the window (and, on a stalled machine, until the first grant): the bound below is computed
        // from the time actually taken, so a slow run only loosens it.
        for (var i = 0; i < 400 && (clock.Elapsed < window || (granted == 0 && clock.Elapsed < Patience)); i++)
        {
            (i % 2 == 0 ? a : b).Tell(new AcquirePermit(Entity, limit, TimeSpan.Zero));
            if (ExpectMsg<object>(Patience) is PermitGranted) granted++;
        }
        var allowed = limit.Burst + limit.RequestsPerMinute / 60 * clock.Elapsed.TotalSeconds * 1.05;
        output.WriteLine($"granted {granted} in {clock.Elapsed.TotalSeconds:F2} s; allowed {allowed:F1}");
        Assert.InRange(granted, 1, allowed);
    }

    [Fact]
    public void A_cooldown_reported_through_one_cache_holds_back_the_other()
    {
        var (_, a, b) = Start();
        var limit = new LimitSpec(6000, 0, 10);
        b.Tell(new AcquirePermit(Entity, limit, TimeSpan.FromSeconds(2)));
        ExpectMsg<PermitGranted>(Patience);
        a.Tell(new ReportCooldown(Entity, 3000));
        AwaitAssert(() =>
        {
            b.Tell(new AcquirePermit(Entity, limit, TimeSpan.Zero));
            var denied = ExpectMsg<PermitDenied>(Patience);
            Assert.True(denied.RetryAfter >= TimeSpan.FromSeconds(1));
        }, Patience);
        // A waiter whose max-wait covers the cooldown gets its permit when it ends.
        b.Tell(new AcquirePermit(Entity, limit, TimeSpan.FromSeconds(10)));
        ExpectMsg<PermitGranted>(Patience);
    }

    [Fact]
    public void Reported_tokens_beyond_tokens_per_minute_hold_the_key_back()
    {
        var (_, cache, _) = Start();
        var limit = new LimitSpec(RequestsPerMinute: 6000, TokensPerMinute: 600, Burst: 10);
        cache.Tell(new AcquirePermit(Entity, limit, TimeSpan.FromSeconds(2)));
        ExpectMsg<PermitGranted>(Patience);
        cache.Tell(new ReportTokens(Entity, 6000, limit)); // ten minutes' worth of tokens

        // Permits already leased to this node may still be used; after them the key is held back for minutes.
        PermitDenied? denied = null;
        for (var i = 0; i < 50 && denied is null; i++)
        {
            cache.Tell(new AcquirePermit(Entity, limit, TimeSpan.Zero));
            denied = ExpectMsg<object>(Patience) as PermitDenied;
        }
        Assert.NotNull(denied);
        Assert.True(denied.RetryAfter > TimeSpan.FromMinutes(1), $"retry after {denied.RetryAfter}");
    }

    [Fact]
    public void An_operator_sees_the_limiters_state_and_a_reset_refills_it_and_lifts_the_cooldown()
    {
        var (limiter, cache, _) = Start();
        var limit = new LimitSpec(RequestsPerMinute: 60, TokensPerMinute: 0, Burst: 5);
        cache.Tell(new AcquirePermit(Entity, limit, TimeSpan.FromSeconds(3)));
        ExpectMsg<PermitGranted>(Patience);
        cache.Tell(new ReportCooldown(Entity, 60_000));

        var cooling = AwaitState(limiter, s => s.CooldownMs > 0);
        Assert.True(cooling.CooldownMs > 50_000, $"cooldown {cooling.CooldownMs} ms");
        Assert.Single(cooling.LeaseHolders);
        Assert.Null(cooling.TokensLeft);
        cache.Tell(new AcquirePermit(Entity, limit, TimeSpan.Zero));
        ExpectMsg<PermitDenied>(Patience);

        limiter.Tell(new ResetLimiter(Entity));
        ExpectMsg<LimiterWasReset>(Patience);
        limiter.Tell(new GetLimiterState(Entity));
        var reset = ExpectMsg<LimiterStateReport>(Patience);
        Assert.Equal(0, reset.CooldownMs);
        Assert.True(reset.RequestsLeft >= limit.Burst - 1, $"requests left {reset.RequestsLeft}");
        // The cache heard the reset too: a permit without waiting.
        cache.Tell(new AcquirePermit(Entity, limit, TimeSpan.Zero));
        ExpectMsg<PermitGranted>(Patience);
    }

    [Fact]
    public void Under_steady_use_the_next_lease_is_asked_for_before_the_current_one_runs_out()
    {
        var region = CreateTestProbe();
        // Leases that never go stale during the test, however slow the machine: only leasing ahead is under test.
        var cache = Sys.ActorOf(PermitCache.Props(region.Ref, _settings with { LeaseTtl = TimeSpan.FromMinutes(1) }));
        var limit = new LimitSpec(RequestsPerMinute: 60_000, TokensPerMinute: 0, Burst: 1_000);

        cache.Tell(new AcquirePermit(Entity, limit, TimeSpan.Zero));
        var first = region.ExpectMsg<LeasePermits>(Patience);
        Assert.Equal(_settings.LeaseBatch, first.Wanted);
        region.Reply(new PermitsLeased(Entity, first.Wanted, 0, 0));
        ExpectMsg<PermitGranted>(Patience);

        // Take permits from the lease until less than half of it is left: the cache asks for more on its
        // own, while it can still grant without anyone waiting.
        var granted = 1;
        LeasePermits? ahead = null;
        while (ahead is null && granted < first.Wanted)
        {
            cache.Tell(new AcquirePermit(Entity, limit, TimeSpan.Zero));
            ExpectMsg<PermitGranted>(Patience);
            granted++;
            ahead = region.ReceiveWhile<LeasePermits>(TimeSpan.FromMilliseconds(100), m => m as LeasePermits).FirstOrDefault();
        }
        Assert.NotNull(ahead);
        var left = first.Wanted - granted;
        Assert.True(left > 0, "the lease ahead came only when the cache was already empty");
        Assert.True(left * 2 < first.Wanted, $"asked ahead with {left} of {first.Wanted} left");
        output.WriteLine($"first lease {first.Wanted}, granted {granted}, asked ahead for {ahead.Wanted} with {left} left");
        region.Reply(new PermitsLeased(Entity, ahead.Wanted, 0, 0));

        // Everything leased is granted without another lease.
        for (var i = 0; i < left + ahead.Wanted; i++)
        {
            cache.Tell(new AcquirePermit(Entity, limit, TimeSpan.Zero));
            ExpectMsg<PermitGranted>(Patience);
        }
    }

    [Fact]
    public void A_busy_cache_leases_for_its_recent_rate_not_just_one_batch()
    {
        var wanted = new System.Collections.Concurrent.ConcurrentBag<int>();
        var region = CreateTestProbe();
        region.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is LeasePermits lease)
            {
                wanted.Add(lease.Wanted);
                sender.Tell(new PermitsLeased(lease.EntityId, lease.Wanted, 0, 0));
            }
            return AutoPilot.KeepRunning;
        }));
        var cache = Sys.ActorOf(PermitCache.Props(region.Ref, _settings));
        var limit = new LimitSpec(RequestsPerMinute: 6_000_000, TokensPerMinute: 0, Burst: 100_000);

        // Keep acquiring, one after another, until a lease larger than one batch is asked for (the rate is
        // measured per tick, so this takes a few ticks). The loop ends on that lease, not on a clock: a
        // stalled machine only makes it run longer. If leases never grow, it stops at Patience and fails.
        var busy = Stopwatch.StartNew();
        while (busy.Elapsed < Patience && wanted.DefaultIfEmpty(0).Max() <= _settings.LeaseBatch)
        {
            cache.Tell(new AcquirePermit(Entity, limit, TimeSpan.Zero));
            ExpectMsg<PermitGranted>(Patience);
        }
        var largest = wanted.Max();
        output.WriteLine($"{wanted.Count} leases, largest {largest} (lease-batch {_settings.LeaseBatch}, horizon {_settings.LeaseHorizon})");
        Assert.True(largest > _settings.LeaseBatch, $"largest lease {largest}");
    }

    [Fact]
    public void The_node_is_limiter_ready_only_once_the_region_has_a_coordinator()
    {
        var region = CreateTestProbe();
        var readiness = new LimiterReadiness();
        Sys.ActorOf(LimiterReadinessProbe.Props(region.Ref, readiness, TimeSpan.FromMilliseconds(50)));

        // No coordinator yet: the region answers an empty set, and the node stays unready.
        region.ExpectMsg<Akka.Cluster.Sharding.GetCurrentRegions>(Patience);
        region.Reply(new Akka.Cluster.Sharding.CurrentRegions(System.Collections.Immutable.ImmutableHashSet<Address>.Empty));
        region.ExpectMsg<Akka.Cluster.Sharding.GetCurrentRegions>(Patience);
        Assert.False(readiness.IsReady);

        region.Reply(new Akka.Cluster.Sharding.CurrentRegions([((ExtendedActorSystem)Sys).Provider.DefaultAddress]));
        AwaitCondition(() => readiness.IsReady, Patience);
    }

    private LimiterStateReport AwaitState(IActorRef limiter, Func<LimiterStateReport, bool> until)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            limiter.Tell(new GetLimiterState(Entity));
            var report = ExpectMsg<LimiterStateReport>(Patience);
            if (until(report) || DateTime.UtcNow > deadline) return report;
            ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        }
    }
}
