using System.Diagnostics;

namespace OpenTracy.Bench;

/// <summary>
/// Open-loop (constant-rate) load: request i is due at start + i/rate whatever happened before, and
/// its latency is measured from that intended time, so a stalled target is charged for the queue it
/// causes (coordinated-omission correction). At most <c>maxInFlight</c> requests are outstanding; a
/// due request beyond that is not sent and counts as an overflow error.
/// </summary>
public sealed class OpenLoop(int maxInFlight, TimeSpan requestTimeout)
{
    /// <summary>Sleep granularity of the dispatcher: requests due within one tick go out together.</summary>
    private const int DispatchSleepMs = 1;

    public sealed class Outcome
    {
        public long Ok;
        public long Http;
        public long Timeouts;
        public long Failures;
        public long Overflow;
        public double ElapsedSeconds;
        public Errors Errors => new(Http, Timeouts, Failures, Overflow);
    }

    /// <summary>
    /// Dispatches <paramref name="count"/> calls of <paramref name="send"/> at <paramref name="rate"/> per second.
    /// <paramref name="send"/> gets the request index and its intended timestamp and returns true on success.
    /// </summary>
    public async Task<Outcome> RunAsync(double rate, long count, Func<long, long, CancellationToken, Task<bool>> send, CancellationToken cancellationToken)
    {
        var outcome = new Outcome();
        var inFlight = 0;
        var tasks = new List<Task>((int)Math.Min(count, int.MaxValue));
        var interval = Stopwatch.Frequency / rate;
        var start = Stopwatch.GetTimestamp();

        async Task One(long index, long intended)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(requestTimeout);
            try
            {
                if (await send(index, intended, timeout.Token)) Interlocked.Increment(ref outcome.Ok);
                else Interlocked.Increment(ref outcome.Http);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref outcome.Timeouts);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref outcome.Failures);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }

        void Dispatch()
        {
            for (long i = 0; i < count && !cancellationToken.IsCancellationRequested; i++)
            {
                var intended = start + (long)(i * interval);
                while (Stopwatch.GetTimestamp() < intended) Thread.Sleep(DispatchSleepMs);
                if (Interlocked.Increment(ref inFlight) > maxInFlight)
                {
                    Interlocked.Decrement(ref inFlight);
                    outcome.Overflow++;
                    continue;
                }
                tasks.Add(One(i, intended));
            }
        }

        await Task.Factory.StartNew(Dispatch, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAll(tasks);
        outcome.ElapsedSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return outcome;
    }
}
