using OpenTracy.Providers;

namespace OpenTracy.Sdk;

/// <summary>
/// When to try again and how long to wait. Only <see cref="ProviderException.IsRetryable"/> failures
/// are retried; the wait is upstream's Retry-After when it sent one, else <c>base × (attempt + 1)</c>
/// like the reference; both are capped at <see cref="MaxDelay"/>.
/// </summary>
internal sealed record RetryPolicy(TimeSpan BaseDelay)
{
    /// <summary>The reference <c>completion()</c>'s step: 0.5 s, 1.0 s, 1.5 s, ...</summary>
    public static readonly TimeSpan CompletionBaseDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>The reference Router's step: 0.3 s, 0.6 s, ...</summary>
    public static readonly TimeSpan RouterBaseDelay = TimeSpan.FromMilliseconds(300);

    /// <summary>No single wait exceeds this, whatever Retry-After says.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(60);

    public static readonly RetryPolicy Completion = new(CompletionBaseDelay);
    public static readonly RetryPolicy Router = new(RouterBaseDelay);

    public static bool IsRetryable(Exception failure) => failure is ProviderException { IsRetryable: true };

    /// <summary>The wait after failed attempt number <paramref name="attemptIndex"/> (0-based) of one candidate.</summary>
    public TimeSpan DelayAfter(Exception failure, int attemptIndex)
    {
        var delay = failure is ProviderException { RetryAfter: { } retryAfter }
            ? retryAfter
            : BaseDelay * (attemptIndex + 1);
        return delay > MaxDelay ? MaxDelay : delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }
}
