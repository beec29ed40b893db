using System.Diagnostics;
using Akka.Actor;
using Akka.Event;

namespace OpenTracy.Engine.RateLimiting;

/// <summary>
/// The node-local side of rate limiting (one per node). Request actors ask it for a permit; a permit
/// from a lease it already holds is granted at once, without crossing the network. When it has none
/// it leases a batch from the key's <see cref="ProviderKeyLimiter"/> entity (through the shard region)
/// and queues the asker until the lease comes back or its max-wait runs out. Unused permits go back
/// after <c>lease-ttl</c>; a lease request without answer (the entity is moving) is sent again after
/// <c>lease-timeout</c>. A cooldown (own 429, or pushed by the entity) drops the held permits and
/// refuses or parks askers until it ends.
/// </summary>
public sealed class PermitCache : ReceiveActor, IWithTimers
{
    public const string Name = "permit-cache";

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record LeaseDue(string EntityId);

    private sealed record Waiter(IActorRef ReplyTo, TimeSpan Deadline);

    private sealed class Entry(string entityId, LimitSpec limit)
    {
        public string EntityId { get; } = entityId;
        public LimitSpec Limit { get; set; } = limit;
        public int Available { get; set; }
        public TimeSpan LeaseExpires { get; set; }
        public TimeSpan? LeaseSentAt { get; set; }
        public TimeSpan NextLeaseAt { get; set; }
        public TimeSpan CooldownUntil { get; set; }
        public TimeSpan RetryAfter { get; set; }
        public Queue<Waiter> Waiters { get; } = new();
        /// <summary>Permits handed out since the last tick, and the rate they make (permits/s over the last tick).</summary>
        public int GrantedSinceTick { get; set; }
        public double RecentPerSecond { get; set; }
    }

    private const string TickTimer = "tick";
    private static readonly TimeSpan MinRetryAfter = TimeSpan.FromSeconds(1);

    private readonly IActorRef _region;
    private readonly RateLimitSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public PermitCache(IActorRef region, RateLimitSettings settings)
    {
        _region = region;
        _settings = settings;
        Receive<AcquirePermit>(OnAcquire);
        Receive<PermitsLeased>(OnLeased);
        Receive<CooldownStarted>(c => StartCooldown(c.EntityId, c.RemainingMs, forward: false));
        Receive<CooldownCleared>(c => ClearCooldown(c.EntityId));
        Receive<ReportCooldown>(c => StartCooldown(c.EntityId, c.RetryAfterMs, forward: true));
        Receive<ReportTokens>(r => _region.Tell(r));
        Receive<ReleasePermit>(OnRelease);
        Receive<Tick>(_ => OnTick());
        Receive<LeaseDue>(d =>
        {
            if (_entries.TryGetValue(d.EntityId, out var entry)) Pump(entry, Now);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef region, RateLimitSettings settings) => Akka.Actor.Props.Create(() => new PermitCache(region, settings));

    private TimeSpan Now => _clock.Elapsed;

    protected override void PreStart() => Timers.StartPeriodicTimer(TickTimer, Tick.Instance, _settings.Tick);

    protected override void PostStop()
    {
        // Leased permits nobody will use go back, so a leaving node does not starve the others.
        foreach (var e in _entries.Values.Where(e => e.Available > 0)) _region.Tell(new ReturnPermits(e.EntityId, e.Available));
    }

    private Entry EntryFor(string entityId, LimitSpec limit)
    {
        if (!_entries.TryGetValue(entityId, out var entry)) _entries[entityId] = entry = new Entry(entityId, limit);
        entry.Limit = limit;
        return entry;
    }

    private void OnAcquire(AcquirePermit acquire)
    {
        var now = Now;
        var entry = EntryFor(acquire.EntityId, acquire.Limit);
        if (entry.CooldownUntil > now && entry.CooldownUntil - now > acquire.MaxWait)
        {
            Sender.Tell(new PermitDenied(entry.CooldownUntil - now));
            return;
        }
        if (entry.CooldownUntil <= now && entry.Waiters.Count == 0 && entry.Available > 0 && entry.LeaseExpires > now)
        {
            Grant(entry, Sender);
            LeaseAhead(entry, now);
            return;
        }
        entry.Waiters.Enqueue(new Waiter(Sender, now + Max(acquire.MaxWait, _settings.MinWait)));
        Pump(entry, now);
    }

    /// <summary>An unused permit comes back to this node's lease: the next asker gets it (unused ones go back to the entity on the tick).</summary>
    private void OnRelease(ReleasePermit release)
    {
        if (!_entries.TryGetValue(release.EntityId, out var entry)) return;
        var now = Now;
        if (entry.CooldownUntil > now) return;
        entry.Available++;
        Pump(entry, now);
    }

    private void OnLeased(PermitsLeased leased)
    {
        if (!_entries.TryGetValue(leased.EntityId, out var entry)) return;
        var now = Now;
        entry.LeaseSentAt = null;
        entry.Available += leased.Granted;
        entry.LeaseExpires = now + _settings.LeaseTtl;
        entry.RetryAfter = TimeSpan.FromMilliseconds(leased.RetryAfterMs);
        if (leased.CooldownMs > 0) entry.CooldownUntil = Max(entry.CooldownUntil, now + TimeSpan.FromMilliseconds(leased.CooldownMs));
        if (leased.RetryAfterMs > 0) entry.NextLeaseAt = now + entry.RetryAfter;
        Pump(entry, now);
        // Someone still waits and the next permit is due before the next tick: ask exactly then.
        if (entry.Waiters.Count > 0 && entry.RetryAfter > TimeSpan.Zero && entry.RetryAfter < _settings.Tick)
            Timers.StartSingleTimer("lease:" + entry.EntityId, new LeaseDue(entry.EntityId), entry.RetryAfter);
    }

    private void StartCooldown(string entityId, long ms, bool forward)
    {
        if (forward) _region.Tell(new ReportCooldown(entityId, ms));
        if (!_entries.TryGetValue(entityId, out var entry)) return;
        var now = Now;
        entry.CooldownUntil = Max(entry.CooldownUntil, now + TimeSpan.FromMilliseconds(ms));
        // Held permits are dropped, not returned: the entity drained its bucket too.
        entry.Available = 0;
        entry.NextLeaseAt = entry.CooldownUntil;
        Pump(entry, now);
    }

    private void ClearCooldown(string entityId)
    {
        if (!_entries.TryGetValue(entityId, out var entry)) return;
        var now = Now;
        entry.CooldownUntil = now;
        entry.NextLeaseAt = now;
        Pump(entry, now);
    }

    private void OnTick()
    {
        var now = Now;
        foreach (var entry in _entries.Values)
        {
            entry.RecentPerSecond = entry.GrantedSinceTick / _settings.Tick.TotalSeconds;
            entry.GrantedSinceTick = 0;
            if (entry.Available > 0 && entry.LeaseExpires <= now && entry.Waiters.Count == 0)
            {
                _region.Tell(new ReturnPermits(entry.EntityId, entry.Available));
                entry.Available = 0;
            }
            Pump(entry, now);
        }
    }

    /// <summary>Hands one permit of the lease out (counted for the recent rate that sizes the next lease).</summary>
    private static void Grant(Entry entry, IActorRef to)
    {
        entry.Available--;
        entry.GrantedSinceTick++;
        to.Tell(PermitGranted.Instance);
    }

    /// <summary>Serves waiters in order, refuses those whose wait ran out, and leases more when someone still waits.</summary>
    private void Pump(Entry entry, TimeSpan now)
    {
        var cooling = entry.CooldownUntil > now;
        while (entry.Waiters.Count > 0)
        {
            var waiter = entry.Waiters.Peek();
            if (!cooling && entry.Available > 0)
            {
                entry.Waiters.Dequeue();
                Grant(entry, waiter.ReplyTo);
                continue;
            }
            // Nothing to give now: refuse a waiter whose wait ends before the next chance of a permit.
            bool refuse;
            if (cooling) refuse = waiter.Deadline < entry.CooldownUntil;
            else if (entry.LeaseSentAt is { } sentAt) refuse = waiter.Deadline < now && now - sentAt >= _settings.LeaseTimeout; // answer lost
            else refuse = waiter.Deadline < Max(now, entry.NextLeaseAt);
            if (refuse)
            {
                entry.Waiters.Dequeue();
                var retryAfter = cooling ? entry.CooldownUntil - now : entry.RetryAfter;
                waiter.ReplyTo.Tell(new PermitDenied(retryAfter < MinRetryAfter ? MinRetryAfter : retryAfter));
                continue;
            }
            break;
        }
        if (entry.Waiters.Count == 0 || cooling || entry.Available > 0) return;
        var sent = entry.LeaseSentAt;
        if (sent is not null && now - sent.Value < _settings.LeaseTimeout) return;
        if (sent is null && now < entry.NextLeaseAt) return;
        if (sent is not null) _log.Info("lease for {0} unanswered after {1} ms; asking again", entry.EntityId, (now - sent.Value).TotalMilliseconds);
        entry.LeaseSentAt = now;
        _region.Tell(new LeasePermits(entry.EntityId, Math.Max(entry.Waiters.Count, LeaseSize(entry)), entry.Limit));
    }

    /// <summary>
    /// How many permits one lease asks for: enough for <c>lease-horizon</c> of this node's recent use, at
    /// least <c>lease-batch</c>. Busy nodes then make one round trip per horizon, not one per batch.
    /// </summary>
    private int LeaseSize(Entry entry)
        => Math.Max(_settings.LeaseBatch, (int)Math.Ceiling(entry.RecentPerSecond * _settings.LeaseHorizon.TotalSeconds));

    /// <summary>
    /// Asks for the next lease before this one runs out — when less than half a lease is left — so that
    /// under steady load no request waits for the round trip to the limiter (on another node, maybe).
    /// Permits are debited when leased, so leasing ahead never admits more than the limit; unused ones go back.
    /// </summary>
    private void LeaseAhead(Entry entry, TimeSpan now)
    {
        if (entry.LeaseSentAt is not null || now < entry.NextLeaseAt || entry.CooldownUntil > now) return;
        var size = LeaseSize(entry);
        if (entry.Available * 2 >= size) return;
        entry.LeaseSentAt = now;
        _region.Tell(new LeasePermits(entry.EntityId, size - entry.Available, entry.Limit));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
