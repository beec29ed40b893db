namespace OpenTracy.Engine.Ops;

/// <summary>
/// What <c>tracy ratelimit</c> needs from the rate limiter. The cluster's sharded limiter implements
/// it; a node without one simply registers none (the palette then says so).
/// </summary>
public interface IRateLimitOps
{
    /// <summary>Limiter state per limited key (all providers, or one).</summary>
    Task<IReadOnlyList<RateLimitState>> ShowAsync(string? provider, CancellationToken cancellationToken);

    /// <summary>Refills the provider's limiters and clears their cooldown; false when the provider has none.</summary>
    Task<bool> ResetAsync(string provider, CancellationToken cancellationToken);
}

/// <summary>One limiter: requests and tokens left in the current window, cooldown after a 429, who holds leases.</summary>
/// <param name="Key">Limiter key (provider, or provider/deployment; never a credential).</param>
public sealed record RateLimitState(
    string Key,
    string Provider,
    double RequestsLeft,
    double TokensLeft,
    TimeSpan? Cooldown,
    IReadOnlyList<string> LeaseHolders);
