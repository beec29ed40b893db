using System.Diagnostics;
using Akka.Actor;
using Akka.Event;

namespace OpenTracy.Engine.RateLimiting;

/// <summary>
/// The cluster-wide limit of one provider key (a sharded entity; id = provider + key fingerprint, never
/// the key), or of one model-group deployment with its own rpm/tpm (id = provider + "dep-" + a hash of the
/// deployment entry, see <see cref="RateLimits.DeploymentEntityId"/>). Holds a requests/min bucket (capacity = burst) and a tokens/min bucket, and the cooldown an
/// upstream 429 set. Node caches lease permits in batches; permits are debited when leased, unused ones
/// come back. So the permits admitted cluster-wide never exceed burst + rate × time, however many nodes.
/// <para>
/// State is not migrated when the entity moves (handoff, crash): a new incarnation starts with EMPTY
/// buckets. Permits the old one leased were debited from its budget; the new one only adds what refills,
/// so the window around a move never admits more than the configured rate.
/// </para>
/// A cooldown is pushed to every cache that leased within <c>holder-ttl</c>, so a 429 seen on one node
/// holds back all of them.
/// </summary>
public sealed class ProviderKeyLimiter : ReceiveActor, IWithTimers
{
    private sealed record PruneHolders
    {
        public static readonly PruneHolders Instance = new();
    }

    private const double SecondsPerMinute = 60d;
    private const string PruneTimer = "prune";

    private readonly string _entityId;
    private readonly RateLimitSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<IActorRef, TimeSpan> _holders = [];
    private LimitSpec? _limit;
    private TokenBucket? _requests;
    private TokenBucket? _tokens;
    private TimeSpan _cooldownUntil;

    public ProviderKeyLimiter(string entityId, RateLimitSettings settings)
    {
        _entityId = entityId;
        _settings = settings;
        Receive<LeasePermits>(OnLease);
        Receive<ReturnPermits>(r => _requests?.Give(r.Count, Now));
        Receive<ReportTokens>(r =>
        {
            Configure(r.Limit);
            _tokens?.Debit(r.Tokens, Now);
        });
        Receive<ReportCooldown>(OnCooldown);
        Receive<PruneHolders>(_ => Prune());
        Receive<GetLimiterState>(_ => Sender.Tell(State()));
        Receive<ResetLimiter>(_ => OnReset());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string entityId, RateLimitSettings settings) => Akka.Actor.Props.Create(() => new ProviderKeyLimiter(entityId, settings));

    private TimeSpan Now => _clock.Elapsed;

    protected override void PreStart()
    {
        _log.Info("rate limiter entity {0} started on {1} (buckets start empty)", _entityId, ((ExtendedActorSystem)Context.System).Provider.DefaultAddress);
        Timers.StartPeriodicTimer(PruneTimer, PruneHolders.Instance, _settings.HolderTtl);
    }

    private void Configure(LimitSpec limit)
    {
        if (limit == _limit) return;
        _limit = limit;
        var now = Now;
        if (limit.RequestsPerMinute > 0)
        {
            if (_requests is null) _requests = new TokenBucket(limit.Burst, limit.RequestsPerMinute / SecondsPerMinute, now);
            else _requests.Reconfigure(limit.Burst, limit.RequestsPerMinute / SecondsPerMinute, now);
        }
        else _requests = null;
        if (limit.TokensPerMinute > 0)
        {
            // A minute's worth of tokens: one large request must always fit.
            if (_tokens is null) _tokens = new TokenBucket(limit.TokensPerMinute, limit.TokensPerMinute / SecondsPerMinute, now);
            else _tokens.Reconfigure(limit.TokensPerMinute, limit.TokensPerMinute / SecondsPerMinute, now);
        }
        else _tokens = null;
    }

    private void OnLease(LeasePermits lease)
    {
        Configure(lease.Limit);
        var now = Now;
        _holders[Sender] = now;
        var cooldown = _cooldownUntil > now ? _cooldownUntil - now : TimeSpan.Zero;
        if (cooldown > TimeSpan.Zero)
        {
            Sender.Tell(new PermitsLeased(_entityId, 0, Ms(cooldown), Ms(cooldown)));
            return;
        }
        if (_tokens is not null && _tokens.Until(double.Epsilon, now) is var tokenWait && tokenWait > TimeSpan.Zero)
        {
            Sender.Tell(new PermitsLeased(_entityId, 0, Ms(tokenWait), 0));
            return;
        }
        var granted = _requests?.TakeUpTo(lease.Wanted, now) ?? lease.Wanted;
        var retryAfter = granted < lease.Wanted && _requests is not null ? _requests.Until(1, now) : TimeSpan.Zero;
        Sender.Tell(new PermitsLeased(_entityId, granted, Ms(retryAfter), 0));
    }

    private void OnCooldown(ReportCooldown report)
    {
        var now = Now;
        var until = now + TimeSpan.FromMilliseconds(Math.Max(0, report.RetryAfterMs));
        if (until <= _cooldownUntil) return;
        _cooldownUntil = until;
        _requests?.Drain(now);
        _log.Info("rate limiter {0}: upstream asked to wait {1} ms; holding back {2} node(s)", _entityId, report.RetryAfterMs, _holders.Count);
        var notice = new CooldownStarted(_entityId, report.RetryAfterMs);
        foreach (var holder in _holders.Keys) holder.Tell(notice);
    }

    private LimiterStateReport State()
    {
        var now = Now;
        _requests?.Refill(now);
        _tokens?.Refill(now);
        var cooldown = _cooldownUntil > now ? Ms(_cooldownUntil - now) : 0;
        // A cache on this very node has a local (host-less) address: show this node's own address instead.
        var self = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress;
        var holders = _holders.Keys.Select(h => (h.Path.Address.HasLocalScope ? self : h.Path.Address).ToString())
            .Distinct().Order(StringComparer.Ordinal).ToList();
        return new LimiterStateReport(_entityId, _requests?.Tokens, _tokens?.Tokens, cooldown, holders);
    }

    private void OnReset()
    {
        var now = Now;
        _requests?.Fill(now);
        _tokens?.Fill(now);
        _cooldownUntil = TimeSpan.Zero;
        _log.Info("rate limiter {0}: reset by an operator", _entityId);
        var cleared = new CooldownCleared(_entityId);
        foreach (var holder in _holders.Keys) holder.Tell(cleared);
        Sender.Tell(new LimiterWasReset(_entityId));
    }

    private void Prune()
    {
        var oldest = Now - _settings.HolderTtl;
        foreach (var stale in _holders.Where(h => h.Value < oldest).Select(h => h.Key).ToList()) _holders.Remove(stale);
    }

    private static long Ms(TimeSpan t) => t == TimeSpan.MaxValue ? long.MaxValue / 2 : (long)Math.Ceiling(t.TotalMilliseconds);
}
