using Akka.Actor;
using OpenTracy.Engine.Serialization;

namespace OpenTracy.Engine.RateLimiting;

/// <summary>A message for one <see cref="ProviderKeyLimiter"/> entity; the sharding extractor reads its id.</summary>
public interface ILimiterEntityMessage : IOpenTracyMessage
{
    string EntityId { get; }
}

/// <summary>Node cache → entity: lease up to <paramref name="Wanted"/> request permits under <paramref name="Limit"/>. Reply: <see cref="PermitsLeased"/>.</summary>
public sealed record LeasePermits(string EntityId, int Wanted, LimitSpec Limit) : ILimiterEntityMessage;

/// <summary>
/// Entity → node cache: <paramref name="Granted"/> permits (possibly 0). <paramref name="RetryAfterMs"/>: when
/// asking again makes sense if fewer than wanted were granted; <paramref name="CooldownMs"/>: remaining
/// upstream cooldown (0 = none). Durations, not instants: node clocks differ.
/// </summary>
public sealed record PermitsLeased(string EntityId, int Granted, long RetryAfterMs, long CooldownMs) : IOpenTracyMessage;

/// <summary>Node cache → entity: permits leased but not used in time go back.</summary>
public sealed record ReturnPermits(string EntityId, int Count) : ILimiterEntityMessage;

/// <summary>Node → entity: tokens a finished call really used (debited from the tokens/min bucket).</summary>
public sealed record ReportTokens(string EntityId, long Tokens, LimitSpec Limit) : ILimiterEntityMessage;

/// <summary>Node → entity: upstream answered 429 with Retry-After; every node holds this key back that long.</summary>
public sealed record ReportCooldown(string EntityId, long RetryAfterMs) : ILimiterEntityMessage;

/// <summary>Entity → every node cache that leased recently: hold this key back for <paramref name="RemainingMs"/>.</summary>
public sealed record CooldownStarted(string EntityId, long RemainingMs) : IOpenTracyMessage;

/// <summary>Ops → entity: report the limiter's state. Reply: <see cref="LimiterStateReport"/>.</summary>
public sealed record GetLimiterState(string EntityId) : ILimiterEntityMessage;

/// <summary>
/// Entity → ops: permits and tokens available now (null = that bucket is not limited), the remaining upstream
/// cooldown in ms (0 = none) and the addresses of the nodes that leased recently.
/// </summary>
public sealed record LimiterStateReport(string EntityId, double? RequestsLeft, double? TokensLeft, long CooldownMs, IReadOnlyList<string> LeaseHolders) : IOpenTracyMessage;

/// <summary>Ops → entity: refill both buckets and clear the cooldown (also on every node cache that leased). Reply: <see cref="LimiterWasReset"/>.</summary>
public sealed record ResetLimiter(string EntityId) : ILimiterEntityMessage;

/// <summary>Entity → ops: the reset is done.</summary>
public sealed record LimiterWasReset(string EntityId) : IOpenTracyMessage;

/// <summary>Entity → node caches that leased: the cooldown of this key was cleared by an operator.</summary>
public sealed record CooldownCleared(string EntityId) : IOpenTracyMessage;

/// <summary>Request actor → node-local <see cref="PermitCache"/>: one permit, waiting at most <paramref name="MaxWait"/>. Local only.</summary>
public sealed record AcquirePermit(string EntityId, LimitSpec Limit, TimeSpan MaxWait);

/// <summary>Node-local reply: go ahead.</summary>
public sealed record PermitGranted
{
    public static readonly PermitGranted Instance = new();
}

/// <summary>Node-local reply: no permit within the allowed wait; try again after <paramref name="RetryAfter"/>.</summary>
public sealed record PermitDenied(TimeSpan RetryAfter);

/// <summary>
/// Request actor → node-local <see cref="PermitCache"/>: a permit granted a moment ago goes unused (a second
/// limit of the same call refused), so it serves the next asker instead. Local only, no reply.
/// </summary>
public sealed record ReleasePermit(string EntityId);

/// <summary>
/// What a request actor needs to ask for a permit before calling a deployment. <see cref="And"/>: a further
/// limit the same call must also pass (a deployment's own limit, then its provider key's): the permits are
/// taken in chain order, and when a later one is refused the earlier ones are released.
/// </summary>
public sealed record PermitPolicy(string EntityId, LimitSpec Limit, TimeSpan MaxWait, IActorRef Cache)
{
    /// <summary>Called with the time the granted permits were waited for (limiter-wait metrics).</summary>
    public Action<TimeSpan>? OnWaited { get; init; }

    /// <summary>What this limit is, for the client's error ("provider openai", "deployment openai/gpt-4o"); never a key.</summary>
    public string? Subject { get; init; }

    /// <summary>The next limit the call must also hold a permit of (null = none).</summary>
    public PermitPolicy? And { get; init; }
}

/// <summary>
/// No permit for this provider key within the allowed wait. Not a <see cref="OpenTracy.Providers.ProviderException"/>,
/// so supervision does not retry it: the plan moves to the next candidate, and the last one becomes a 429 with Retry-After.
/// </summary>
public sealed class PermitUnavailableException(string provider, TimeSpan retryAfter, string? subject = null)
    : Exception($"rate limit of {subject ?? "provider " + provider} reached on this gateway; retry after {Math.Ceiling(retryAfter.TotalSeconds)} s")
{
    public string Provider { get; } = provider;
    public TimeSpan RetryAfter { get; } = retryAfter;
}
