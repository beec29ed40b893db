using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Streams.Dsl;
using OpenTracy.Engine.Actors;
using OpenTracy.Engine.RateLimiting;
using OpenTracy.Providers;
using OpenTracy.Wire;

namespace OpenTracy.Engine.Requests;

/// <summary>
/// Makes the upstream call for one candidate deployment. A failure is thrown inside this actor, so
/// the parent <see cref="CompletionActor"/>'s SupervisorStrategy decides: Restart (retry after a
/// backoff) or Stop (next candidate).
/// <para>
/// Attempt state across restarts: a restart builds a fresh instance from the same Props, so the
/// parent, right after its decider says Restart, tells the child <see cref="Retry"/> (attempt number
/// and delay). The child's mailbox is suspended while the failure is handled, so that message is
/// processed by the new instance; <see cref="PostRestart"/> therefore does not call again by itself,
/// it waits for <see cref="Retry"/> and then for its timer.
/// </para>
/// The call runs under a CancellationTokenSource this actor owns; stopping the actor (request
/// cancelled, plan moved on) cancels it, which aborts the upstream HTTP call. For a stream the actor
/// pulls the first chunk itself (retries apply until then), then hands the parent a source of that
/// chunk plus the rest of the upstream enumerator, so backpressure reaches the upstream read.
/// </summary>
public sealed class ProviderCallActor : UntypedActor, IWithTimers
{
    /// <summary>Parent → restarted child: this is attempt <paramref name="Attempt"/> (1 = the first call), start it after <paramref name="Delay"/>.</summary>
    public sealed record Retry(int Attempt, TimeSpan Delay);

    /// <summary>Child → parent: the non-streaming answer.</summary>
    public sealed record Answered(ModelResponse Response, TimeSpan Latency);

    /// <summary>Child → parent: the first chunk arrived; <paramref name="Chunks"/> replays it and continues upstream.</summary>
    public sealed record StreamOpened(Source<StreamChunk, NotUsed> Chunks, TimeSpan TimeToFirstChunk);

    private sealed record StartCall
    {
        public static readonly StartCall Instance = new();
    }

    private sealed record FirstChunk(StreamChunk Chunk, IAsyncEnumerator<StreamChunk> Rest);

    private const string RetryTimer = "retry";

    private readonly ProviderRequest _request;
    private readonly Func<ProviderInfo, IProviderClient> _clients;
    private readonly bool _stream;
    private readonly PermitPolicy? _permit;
    private PermitPolicy? _acquiring;
    private long _permitRequestedAt;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private CancellationTokenSource? _cts;
    private int _attempt = 1;
    private long _startedAt;

    public ProviderCallActor(ProviderRequest request, Func<ProviderInfo, IProviderClient> clients, bool stream, PermitPolicy? permit = null)
    {
        _request = request;
        _clients = clients;
        _stream = stream;
        _permit = permit;
    }

    // An UntypedActor with a switch, not a ReceiveActor: one of these is created per request (and per
    // retry), and a ReceiveActor builds and compiles its handler table for every instance.
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StartCall:
                AcquireThenCall();
                break;
            case PermitGranted:
                OnPermitGranted();
                break;
            case PermitDenied denied:
                OnPermitDenied(denied);
                break;
            case Retry retry:
                _attempt = retry.Attempt;
                if (retry.Delay > TimeSpan.Zero) Timers.StartSingleTimer(RetryTimer, StartCall.Instance, retry.Delay);
                else AcquireThenCall();
                break;
            case ModelResponse response:
                ReportUsage(_permit, response.Usage);
                Context.Parent.Tell(new Answered(response, Elapsed()));
                break;
            case FirstChunk first:
                OnFirstChunk(first);
                break;
            case Status.Failure failure:
                // A faulted PipeTo: rethrow it so supervision sees the provider's exception.
                ReportUpstreamRateLimit(failure.Cause);
                ExceptionDispatchInfo.Capture(failure.Cause).Throw();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="clients">Resolves the wire-format client inside the call, so a missing client fails this candidate through supervision like any other error.</param>
    /// <param name="permit">The rate limit to pass before each attempt (null = unlimited).</param>
    public static Props Props(ProviderRequest request, Func<ProviderInfo, IProviderClient> clients, bool stream, PermitPolicy? permit = null)
        => PerRequestProps.Create(() => new ProviderCallActor(request, clients, stream, permit));

    // The first call starts from a message, not from PreStart, so an exception thrown while starting
    // it reaches the parent's decider as itself (not wrapped in an ActorInitializationException).
    protected override void PreStart() => Self.Tell(StartCall.Instance);

    protected override void PostRestart(Exception reason)
    {
        // Deliberately empty: the parent's Retry message says when to call again.
    }

    protected override void PostStop()
    {
        // Stopped (request cancelled, or a restart) while part way through a permit chain: the permits already
        // held go back to their caches instead of being lost.
        if (_acquiring is { } pending) ReleaseHeldBefore(pending);
        CancelCall();
    }

    /// <summary>With a rate limit: ask the node-local permit cache (a local Tell; the answer comes as a message), else call at once.</summary>
    private void AcquireThenCall()
    {
        if (_permit is null)
        {
            Call();
            return;
        }
        _permitRequestedAt = Stopwatch.GetTimestamp();
        Acquire(_permit);
    }

    private void Acquire(PermitPolicy policy)
    {
        _acquiring = policy;
        policy.Cache.Tell(new AcquirePermit(policy.EntityId, policy.Limit, policy.MaxWait));
    }

    /// <summary>One permit of the chain is held: ask for the next, or call once all are held.</summary>
    private void OnPermitGranted()
    {
        if (_acquiring?.And is { } next)
        {
            Acquire(next);
            return;
        }
        _acquiring = null;
        _permit?.OnWaited?.Invoke(Stopwatch.GetElapsedTime(_permitRequestedAt));
        Call();
    }

    /// <summary>A limit of the chain refused: the permits already held go back unused, and this candidate fails.</summary>
    private void OnPermitDenied(PermitDenied denied)
    {
        var refused = _acquiring ?? _permit;
        if (refused is not null) ReleaseHeldBefore(refused);
        throw new PermitUnavailableException(_request.ProviderName, denied.RetryAfter, refused?.Subject);
    }

    /// <summary>Returns the permits of the chain held before <paramref name="pending"/> (the one not yet granted).</summary>
    private void ReleaseHeldBefore(PermitPolicy pending)
    {
        for (var p = _permit; p is not null && !ReferenceEquals(p, pending); p = p.And)
            p.Cache.Tell(new ReleasePermit(p.EntityId));
        _acquiring = null;
    }

    /// <summary>
    /// Actual token usage goes to every limiter of the chain with a tokens/min bucket. Static: a stream reports
    /// from its own stage, outside this actor.
    /// </summary>
    private static void ReportUsage(PermitPolicy? chain, Usage? usage)
    {
        if (usage is null) return;
        for (var p = chain; p is not null; p = p.And)
            if (p.Limit.TokensPerMinute > 0) p.Cache.Tell(new ReportTokens(p.EntityId, usage.TotalTokens, p.Limit));
    }

    /// <summary>An upstream 429 with Retry-After holds this deployment and its key back on every node.</summary>
    private void ReportUpstreamRateLimit(Exception error)
    {
        if (_permit is null || error is not ProviderException { StatusCode: 429, RetryAfter: { } retryAfter }) return;
        var ms = (long)Math.Ceiling(retryAfter.TotalMilliseconds);
        for (var p = _permit; p is not null; p = p.And) p.Cache.Tell(new ReportCooldown(p.EntityId, ms));
    }

    private void Call()
    {
        CancelCall();
        var client = _clients(_request.Endpoint.Provider);
        _cts = new CancellationTokenSource();
        _startedAt = Stopwatch.GetTimestamp();
        _log.Debug("calling {0} model {1} (attempt {2}, stream={3})", _request.Endpoint, _request.Model, _attempt, _stream);
        if (_stream)
            FirstChunkAsync(client.StreamAsync(_request, _cts.Token).GetAsyncEnumerator(_cts.Token)).PipeTo(Self);
        else
            client.CompleteAsync(_request, _cts.Token).PipeTo(Self);
    }

    private async Task<FirstChunk> FirstChunkAsync(IAsyncEnumerator<StreamChunk> chunks)
    {
        try
        {
            if (await chunks.MoveNextAsync().ConfigureAwait(false)) return new FirstChunk(chunks.Current, chunks);
        }
        catch
        {
            await chunks.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        await chunks.DisposeAsync().ConfigureAwait(false);
        throw new ProviderException(_request.ProviderName, ProviderFailureKind.InvalidResponse, null, "the stream ended before its first chunk");
    }

    private void OnFirstChunk(FirstChunk first)
    {
        var upstream = _cts!;
        var rest = Remaining(first.Rest, upstream);
        var chunks = Source.Single(first.Chunk).Concat(Source.From(() => rest));
        if (TokensLimited(_permit))
        {
            // The usage chunk (streams ask upstream for one) reports the tokens the stream really used.
            var permit = _permit;
            chunks = chunks.Select(chunk =>
            {
                ReportUsage(permit, chunk.Usage);
                return chunk;
            });
        }
        Context.Parent.Tell(new StreamOpened(chunks, Elapsed()));
    }

    /// <summary>
    /// The rest of the upstream stream. When the Akka stream stops early (client gone), the stage
    /// cancels the enumeration token, which cancels the upstream call and frees its connection.
    /// </summary>
    private static async IAsyncEnumerable<StreamChunk> Remaining(IAsyncEnumerator<StreamChunk> chunks, CancellationTokenSource upstream,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var link = cancellationToken.Register(static s => CancelQuietly((CancellationTokenSource)s!), upstream);
        try
        {
            while (await chunks.MoveNextAsync().ConfigureAwait(false)) yield return chunks.Current;
        }
        finally
        {
            await chunks.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void CancelCall()
    {
        // Not disposed on purpose: the stream's cancellation link may still fire after this actor is gone,
        // and a CancellationTokenSource without CancelAfter holds nothing that needs disposing.
        if (_cts is not null) CancelQuietly(_cts);
        _cts = null;
    }

    private static void CancelQuietly(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (AggregateException)
        {
            // A cancellation callback of the HTTP stack failed; the call is being torn down anyway.
        }
    }

    private static bool TokensLimited(PermitPolicy? chain)
    {
        for (var p = chain; p is not null; p = p.And)
            if (p.Limit.TokensPerMinute > 0) return true;
        return false;
    }

    private TimeSpan Elapsed() => Stopwatch.GetElapsedTime(_startedAt);
}
