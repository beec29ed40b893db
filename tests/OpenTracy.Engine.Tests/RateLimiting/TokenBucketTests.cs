using OpenTracy.Engine.RateLimiting;

namespace OpenTracy.Engine.Tests.RateLimiting;

public sealed class TokenBucketTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void Starts_empty_and_refills_at_the_rate_up_to_the_capacity()
    {
        var bucket = new TokenBucket(capacity: 5, perSecond: 2, now: S(0));
        Assert.Equal(0, bucket.TakeUpTo(3, S(0)));
        Assert.Equal(2, bucket.TakeUpTo(3, S(1)));
        Assert.Equal(5, bucket.TakeUpTo(10, S(100)));
        Assert.Equal(0, bucket.TakeUpTo(1, S(100)));
    }

    [Fact]
    public void Returned_tokens_are_capped_and_debits_may_go_negative()
    {
        var bucket = new TokenBucket(capacity: 3, perSecond: 1, now: S(0));
        bucket.Give(10, S(0));
        Assert.Equal(3, bucket.Tokens);
        bucket.Debit(5, S(0));
        Assert.Equal(-2, bucket.Tokens);
        Assert.Equal(S(3), bucket.Until(1, S(0)));
        Assert.Equal(0, bucket.TakeUpTo(1, S(2.5)));
        Assert.Equal(1, bucket.TakeUpTo(1, S(3)));
    }

    [Fact]
    public void Drain_empties_but_keeps_a_deficit()
    {
        var bucket = new TokenBucket(capacity: 3, perSecond: 1, now: S(0));
        bucket.Give(3, S(0));
        bucket.Drain(S(0));
        Assert.Equal(0, bucket.Tokens);
        bucket.Debit(2, S(0));
        bucket.Drain(S(0));
        Assert.Equal(-2, bucket.Tokens);
    }

    [Fact]
    public void Admitted_over_a_window_never_exceeds_capacity_plus_rate_times_time()
    {
        var bucket = new TokenBucket(capacity: 20, perSecond: 2, now: S(0));
        var admitted = 0;
        for (var ms = 0; ms <= 10_000; ms += 7) admitted += bucket.TakeUpTo(3, TimeSpan.FromMilliseconds(ms));
        Assert.InRange(admitted, 19, 20);
    }
}
