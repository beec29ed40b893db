using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace OpenTracy.Engine.RateLimiting;

/// <summary>
/// Whether this node's limiter shard region has registered with the shard coordinator. Until then a
/// limiter entity cannot be placed, and a rate-limited request would wait for the coordinator (a
/// cluster singleton that takes a moment to start) and could be refused. The node reports ready only
/// after this, once; a later coordinator hand-over does not make it unready. Thread-safe.
/// </summary>
public sealed class LimiterReadiness
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    internal void MarkReady() => _ready = true;
}

/// <summary>
/// Asks the limiter shard region for the current regions every <c>readiness-probe-interval</c>: the
/// region answers an empty set until it has a coordinator, then the coordinator answers with the
/// registered regions. A non-empty answer marks <see cref="LimiterReadiness"/> ready and stops the probe.
/// </summary>
public sealed class LimiterReadinessProbe : ReceiveActor, IWithTimers
{
    public const string Name = "limiter-readiness";

    private sealed record Probe
    {
        public static readonly Probe Instance = new();
    }

    private const string ProbeTimer = "probe";

    private readonly IActorRef _region;
    private readonly TimeSpan _interval;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public LimiterReadinessProbe(IActorRef region, LimiterReadiness readiness, TimeSpan interval)
    {
        _region = region;
        _interval = interval;
        Receive<Probe>(_ => _region.Tell(GetCurrentRegions.Instance));
        Receive<CurrentRegions>(current =>
        {
            if (current.Regions.Count == 0) return;
            readiness.MarkReady();
            _log.Info("limiter shard region registered with the coordinator ({0} region(s)): rate limits are served", current.Regions.Count);
            Context.Stop(Self);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef region, LimiterReadiness readiness, TimeSpan interval)
        => Akka.Actor.Props.Create(() => new LimiterReadinessProbe(region, readiness, interval));

    protected override void PreStart()
    {
        _region.Tell(GetCurrentRegions.Instance);
        Timers.StartPeriodicTimer(ProbeTimer, Probe.Instance, _interval);
    }
}
