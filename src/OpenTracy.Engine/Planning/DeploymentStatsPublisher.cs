using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using OpenTracy.Engine.Serialization;
using CoreSnapshot = OpenTracy.Balancing.DeploymentStatsSnapshot;

namespace OpenTracy.Engine.Planning;

/// <summary>
/// One deployment's counters on one node (totals since it started) and <paramref name="InFlight"/>, a gauge:
/// the requests that node had in flight to it when it published (0 when a peer of an older version sends none).
/// </summary>
public sealed record DeploymentStatsEntry(string Key, long Requests, long Errors, double TotalLatencyMs, long InFlight = 0);

/// <summary>A node's per-deployment counters (totals since it started) and in-flight gauges, published to every member.</summary>
public sealed record DeploymentStatsReport(string Node, IReadOnlyList<DeploymentStatsEntry> Entries) : IOpenTracyMessage;

/// <summary>
/// Shares the deployment statistics cluster-wide (one per node): publishes this node's counters every
/// <c>publish-interval</c> on a distributed pub-sub topic, keeps the latest report of every other member,
/// drops members silent for <c>stale-after</c> (left or crashed), and hands the sum to
/// <see cref="DeploymentStats.SetOthers"/>. Reports are totals, so a lost one costs nothing. The in-flight
/// gauges are summed over the live members' latest reports (<see cref="DeploymentStats.SetOthersInFlight"/>):
/// a gauge is replaced, never added up over time, and a stale member's gauge drops out with it.
/// </summary>
public sealed class DeploymentStatsPublisher : ReceiveActor, IWithTimers
{
    public const string Name = "deployment-stats";
    public const string Topic = "opentracy.deployment-stats";

    private sealed record Publish
    {
        public static readonly Publish Instance = new();
    }

    private const string PublishTimer = "publish";

    private readonly DeploymentStats _stats;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _staleAfter;
    private readonly string _self;
    private readonly IActorRef _mediator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, (DateTime At, DeploymentStatsReport Report)> _latest = new(StringComparer.Ordinal);

    public DeploymentStatsPublisher(DeploymentStats stats, TimeSpan interval, TimeSpan staleAfter)
    {
        _stats = stats;
        _interval = interval;
        _staleAfter = staleAfter;
        _self = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
        _mediator = DistributedPubSub.Get(Context.System).Mediator;

        Receive<Publish>(_ => OnPublish());
        Receive<DeploymentStatsReport>(OnReport);
        Receive<SubscribeAck>(_ => _log.Debug("subscribed to {0}", Topic));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(DeploymentStats stats, TimeSpan interval, TimeSpan staleAfter)
        => Akka.Actor.Props.Create(() => new DeploymentStatsPublisher(stats, interval, staleAfter));

    protected override void PreStart()
    {
        _mediator.Tell(new Subscribe(Topic, Self));
        Timers.StartPeriodicTimer(PublishTimer, Publish.Instance, _interval);
    }

    private void OnPublish()
    {
        var local = _stats.LocalSnapshot();
        if (local.Count > 0)
        {
            var entries = local.Select(kv => new DeploymentStatsEntry(kv.Key, kv.Value.Requests, kv.Value.Errors, kv.Value.TotalLatencyMs,
                _stats.InFlightLocal(kv.Key))).ToList();
            _mediator.Tell(new Akka.Cluster.Tools.PublishSubscribe.Publish(Topic, new DeploymentStatsReport(_self, entries)));
        }
        // Forget members that went quiet, even when nobody else reports.
        if (_latest.Values.Any(v => DateTime.UtcNow - v.At > _staleAfter)) Recompute();
    }

    private void OnReport(DeploymentStatsReport report)
    {
        if (report.Node == _self) return;
        _latest[report.Node] = (DateTime.UtcNow, report);
        Recompute();
    }

    private void Recompute()
    {
        var now = DateTime.UtcNow;
        foreach (var stale in _latest.Where(kv => now - kv.Value.At > _staleAfter).Select(kv => kv.Key).ToList()) _latest.Remove(stale);
        var sum = new Dictionary<string, CoreSnapshot>(StringComparer.Ordinal);
        var inFlight = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in _latest.Values.SelectMany(v => v.Report.Entries))
        {
            sum.TryGetValue(entry.Key, out var s);
            sum[entry.Key] = new CoreSnapshot(s.Requests + entry.Requests, s.Errors + entry.Errors, s.TotalLatencyMs + entry.TotalLatencyMs);
            if (entry.InFlight > 0) inFlight[entry.Key] = inFlight.GetValueOrDefault(entry.Key) + entry.InFlight;
        }
        _stats.SetOthers(sum);
        _stats.SetOthersInFlight(inFlight);
    }
}
