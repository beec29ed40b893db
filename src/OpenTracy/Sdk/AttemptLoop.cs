using System.Runtime.ExceptionServices;
using OpenTracy.Balancing;
using OpenTracy.Providers;

namespace OpenTracy.Sdk;

/// <summary>One entry of a try-plan: a model with its options, how many attempts, and whose stats to count.</summary>
internal sealed record Candidate(string Model, CompletionOptions Options, int Attempts, RetryPolicy Policy, DeploymentStats? Stats = null);

/// <summary>
/// Walks a try-plan: each candidate up to its attempt count, retrying only retryable failures after
/// the policy's delay; a non-retryable or configuration failure moves to the next candidate at once.
/// When every candidate failed, the last failure is rethrown as it was.
/// </summary>
internal static class AttemptLoop
{
    /// <param name="recordSuccess">
    /// False when the caller records success itself and, on success, also leaves the deployment's in-flight count
    /// (streams count at their end). A failed attempt is always counted and left here.
    /// </param>
    public static async Task<T> RunAsync<T>(IReadOnlyList<Candidate> plan, Func<Candidate, CancellationToken, Task<T>> attempt,
        TimeProvider time, bool recordSuccess, CancellationToken ct)
    {
        if (plan.Count == 0) throw new InvalidOperationException("completion failed with no models to try");
        Exception? last = null;
        foreach (var candidate in plan)
        {
            for (var i = 0; i < candidate.Attempts; i++)
            {
                ct.ThrowIfCancellationRequested();
                var started = time.GetTimestamp();
                var stats = candidate.Stats;
                stats?.Enter();
                var handedOver = false;
                TimeSpan? retryAfter = null;
                try
                {
                    var result = await attempt(candidate, ct).ConfigureAwait(false);
                    if (recordSuccess) stats?.RecordSuccess(time.GetElapsedTime(started));
                    else handedOver = true; // the caller leaves when its stream ends
                    return result;
                }
                catch (Exception ex) when (IsAttemptFailure(ex, ct))
                {
                    stats?.RecordFailure();
                    last = ex;
                    if (RetryPolicy.IsRetryable(ex) && i + 1 < candidate.Attempts) retryAfter = candidate.Policy.DelayAfter(ex, i);
                }
                finally
                {
                    if (!handedOver) stats?.Leave();
                }
                if (retryAfter is not { } delay) break;
                if (delay > TimeSpan.Zero) await Task.Delay(delay, time, ct).ConfigureAwait(false);
            }
        }
        ExceptionDispatchInfo.Throw(last!);
        throw last!;
    }

    /// <summary>Provider failures and configuration errors belong to the plan; the caller's cancellation and bugs do not.</summary>
    private static bool IsAttemptFailure(Exception ex, CancellationToken ct)
        => !ct.IsCancellationRequested && ex is ProviderException or CompletionConfigurationException;
}
