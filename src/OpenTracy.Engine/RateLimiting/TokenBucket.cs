namespace OpenTracy.Engine.RateLimiting;

/// <summary>
/// A token bucket on a caller-supplied clock (elapsed time, so it is testable and immune to wall-clock
/// jumps). Tokens may go negative (<see cref="Debit"/>: usage reported after the fact), which delays the
/// next grant. Not thread-safe: it lives inside one actor.
/// </summary>
public sealed class TokenBucket
{
    private TimeSpan _last;

    /// <summary>A bucket that starts EMPTY: after a limiter moves (node crash, handoff) it never admits more than the rate.</summary>
    public TokenBucket(double capacity, double perSecond, TimeSpan now)
    {
        Capacity = capacity;
        PerSecond = perSecond;
        _last = now;
    }

    public double Capacity { get; private set; }
    public double PerSecond { get; private set; }
    public double Tokens { get; private set; }

    /// <summary>Changes the limit, keeping the tokens it holds (capped at the new capacity).</summary>
    public void Reconfigure(double capacity, double perSecond, TimeSpan now)
    {
        Refill(now);
        Capacity = capacity;
        PerSecond = perSecond;
        Tokens = Math.Min(Tokens, capacity);
    }

    /// <summary>Fills the bucket to capacity (an operator's reset).</summary>
    public void Fill(TimeSpan now)
    {
        Tokens = Capacity;
        _last = now;
    }

    public void Refill(TimeSpan now)
    {
        if (now <= _last) return;
        Tokens = Math.Min(Capacity, Tokens + (now - _last).TotalSeconds * PerSecond);
        _last = now;
    }

    /// <summary>Takes up to <paramref name="wanted"/> whole tokens; returns how many it took.</summary>
    public int TakeUpTo(int wanted, TimeSpan now)
    {
        Refill(now);
        var taken = (int)Math.Min(wanted, Math.Floor(Math.Max(0, Tokens)));
        Tokens -= taken;
        return taken;
    }

    /// <summary>Gives unused tokens back (capped at capacity).</summary>
    public void Give(double count, TimeSpan now)
    {
        Refill(now);
        Tokens = Math.Min(Capacity, Tokens + Math.Max(0, count));
    }

    /// <summary>Takes tokens already spent; the bucket may go negative.</summary>
    public void Debit(double count, TimeSpan now)
    {
        Refill(now);
        Tokens -= Math.Max(0, count);
    }

    /// <summary>Empties the bucket (an upstream 429 says our picture was too optimistic).</summary>
    public void Drain(TimeSpan now)
    {
        Refill(now);
        Tokens = Math.Min(Tokens, 0);
    }

    /// <summary>How long until the bucket holds at least <paramref name="needed"/> tokens.</summary>
    public TimeSpan Until(double needed, TimeSpan now)
    {
        Refill(now);
        if (Tokens >= needed) return TimeSpan.Zero;
        if (PerSecond <= 0) return TimeSpan.MaxValue;
        return TimeSpan.FromSeconds((needed - Tokens) / PerSecond);
    }
}
