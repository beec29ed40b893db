using Akka.Actor;
using Akka.Configuration;
using BenchmarkDotNet.Attributes;
using OpenTracy.Engine.Configuration;
using OpenTracy.Engine.RateLimiting;

namespace OpenTracy.Bench.Micro;

/// <summary>
/// Permit acquisition, the limiter's share of the hot path: a request actor tells the node-local
/// <see cref="PermitCache"/> <see cref="AcquirePermit"/> and waits for <see cref="PermitGranted"/>. Here
/// the cache leases from a real <see cref="ProviderKeyLimiter"/> (created directly instead of behind
/// a shard region, so the lease round trip is local), with a limit far above the benchmark's rate so
/// no acquisition waits for a refill. The benchmark has to Ask from outside the actor system, so an
/// Ask of an echo actor is the baseline: PermitAsk − EchoAsk = what taking a permit costs.
/// Settings (lease batch, ttl, tick) come from hocon/opentracy.conf.
/// </summary>
[MemoryDiagnoser]
public class PermitBenchmarks
{
    private const string EntityId = "openai-benchkey";
    private static readonly LimitSpec Unreachable = new(RequestsPerMinute: 600_000_000, TokensPerMinute: 0, Burst: 1_000_000);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private static readonly AcquirePermit Acquire = new(EntityId, Unreachable, TimeSpan.Zero);

    private ActorSystem _system = null!;
    private IActorRef _cache = null!;
    private IActorRef _echo = null!;
    private TokenBucket _bucket = null!;
    private TimeSpan _now;

    [GlobalSetup]
    public void Setup()
    {
        var settings = RateLimitSettings.FromConfig(NodeConfig.ParseFile(Path.Combine(RepoRoot(), "hocon", NodeConfig.DefaultsFile)));
        _system = ActorSystem.Create("permit-bench", ConfigurationFactory.ParseString("akka.loglevel = WARNING"));
        var limiter = _system.ActorOf(ProviderKeyLimiter.Props(EntityId, settings), "limiter");
        _cache = _system.ActorOf(PermitCache.Props(limiter, settings), PermitCache.Name);
        _echo = _system.ActorOf(Props.Create(() => new Echo()), "echo");
        _bucket = new TokenBucket(Unreachable.Burst, Unreachable.RequestsPerMinute / 60, TimeSpan.Zero);
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().GetAwaiter().GetResult(); // BenchmarkDotNet's cleanup is synchronous

    [Benchmark(Baseline = true)]
    public Task<object> EchoAsk() => _echo.Ask<object>(Acquire, AskTimeout);

    [Benchmark]
    public async Task<object> PermitAsk()
    {
        var reply = await _cache.Ask<object>(Acquire, AskTimeout);
        return reply is PermitGranted ? reply : throw new InvalidOperationException($"expected a permit, got {reply}");
    }

    /// <summary>The token bucket alone (what the limiter entity does per leased batch).</summary>
    [Benchmark]
    public int BucketTake()
    {
        _now += TimeSpan.FromTicks(1);
        return _bucket.TakeUpTo(1, _now);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OpenTracy.Actors.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("OpenTracy.Actors.sln not found above " + AppContext.BaseDirectory);
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(message => Sender.Tell(message));
    }
}
