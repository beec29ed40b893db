using System.Diagnostics;
using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Streams.Dsl;
using OpenTracy.Engine.Actors;
using OpenTracy.Engine.Errors;
using OpenTracy.Engine.Observability;
using OpenTracy.Engine.Planning;
using OpenTracy.Engine.RateLimiting;
using OpenTracy.Engine.Streaming;
using OpenTracy.Providers;
using OpenTracy.Wire;

namespace OpenTracy.Engine.Requests;

/// <summary>
/// One request. Plans the candidates, then runs one <see cref="ProviderCallActor"/> child per
/// candidate, in order. Retry and fallback are this actor's SupervisorStrategy:
/// a retryable <see cref="ProviderException"/> while the candidate has retries left → Restart (the
/// child waits its backoff or the provider's Retry-After, then calls again); anything else → Stop.
/// The child is watched: Terminated without a result → next candidate; no candidate left → the
/// last error goes to the client. A stream stays here until it ends, so in-flight counts stay true.
/// Stopping this actor (client gone) stops the child, which cancels the upstream call.
/// </summary>
public sealed class CompletionActor : UntypedActor, IWithTimers
{
    /// <summary>The decorated stream was materialized by the edge.</summary>
    private sealed record StreamMaterialized
    {
        public static readonly StreamMaterialized Instance = new();
    }

    /// <summary>The decorated stream ended (error null = completed or cancelled downstream).</summary>
    private sealed record StreamFinished(Exception? Error);

    private sealed record SubscriptionTimedOut
    {
        public static readonly SubscriptionTimedOut Instance = new();
    }

    private const string SubscriptionTimer = "subscription";

    private readonly string _requestId;
    private readonly ChatRequest _request;
    private readonly IActorRef _replyTo;
    private readonly EngineServices _services;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private RoutePlan? _plan;
    private int _index = -1;
    private int _retriesUsed;
    private int _attempts;
    private double _routingMs;
    private Exception? _lastError;
    private IActorRef? _child;
    private bool _resultReceived;
    private readonly string? _traceParent;
    private Activity? _attemptSpan;
    private OpenTracy.Balancing.DeploymentStats? _inFlight;

    public CompletionActor(string requestId, ChatRequest request, IActorRef replyTo, EngineServices services, string? traceParent = null)
    {
        _traceParent = traceParent;
        _requestId = requestId;
        _request = request;
        _replyTo = replyTo;
        _services = services;
    }

    // An UntypedActor with a switch, not a ReceiveActor: one of these is created per request, and a
    // ReceiveActor builds and compiles its handler table for every instance.
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ProviderCallActor.Answered answered:
                OnAnswered(answered);
                break;
            case ProviderCallActor.StreamOpened opened:
                OnStreamOpened(opened);
                break;
            case Terminated terminated:
                OnTerminated(terminated);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private bool Streaming => _request.Stream == true;

    private Candidate Current => _plan!.Candidates[_index];

    public static Props Props(string requestId, ChatRequest request, IActorRef replyTo, EngineServices services, string? traceParent = null)
        => PerRequestProps.Create(() => new CompletionActor(requestId, request, replyTo, services, traceParent));

    protected override void PostStop()
    {
        LeaveDeployment();
        EngineActivity.Stop(_attemptSpan, _resultReceived ? null : "cancelled");
    }

    /// <summary>This request is in flight to the current candidate (least-busy counts it cluster-wide) until <see cref="LeaveDeployment"/>.</summary>
    private void EnterDeployment(Deployment deployment)
    {
        LeaveDeployment();
        _inFlight = _services.Planner.Stats.Local(deployment.StatsKey);
        _inFlight.Enter();
    }

    private void LeaveDeployment()
    {
        _inFlight?.Leave();
        _inFlight = null;
    }

    private void StartAttemptSpan()
    {
        EngineActivity.Stop(_attemptSpan, _lastError?.Message);
        var deployment = Current.Deployment;
        _attemptSpan = EngineActivity.StartAttempt(_traceParent, _requestId, deployment.ProviderName, deployment.DisplayName, _attempts);
    }

    private void EndAttemptSpan(string? error)
    {
        EngineActivity.Stop(_attemptSpan, error);
        _attemptSpan = null;
    }

    protected override void PreStart()
    {
        var started = Stopwatch.GetTimestamp();
        var result = _services.Planner.Plan(_request);
        _routingMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (result.Error is { } error)
        {
            Finish(new CompletionFailed(error, null));
            return;
        }
        _plan = result.Plan!;
        NextCandidate();
    }

    protected override SupervisorStrategy SupervisorStrategy()
        => new OneForOneStrategy(Decide, loggingEnabled: false);

    /// <summary>
    /// Runs on this actor's own thread while it handles the child's failure, so it may update state.
    /// Restart does not redeliver anything: the Retry message sent here tells the new child instance
    /// which attempt it is and how long to wait.
    /// </summary>
    private Directive Decide(Exception error)
    {
        _lastError = error;
        var candidate = Current;
        _services.Planner.Stats.RecordFailure(candidate.Deployment.StatsKey);
        EndAttemptSpan(error.Message);
        if (error is PermitUnavailableException) _services.Metrics.LimiterRejected(candidate.Deployment.ProviderName, candidate.Deployment.DisplayName);
        if (error is ProviderException { IsRetryable: true } pe && !_resultReceived && _retriesUsed < candidate.NumRetries)
        {
            var delay = RetryDelay(pe);
            if (delay is not null)
            {
                _retriesUsed++;
                _attempts++;
                _log.Info("request {0}: {1} failed ({2}); retry {3}/{4} in {5} ms", _requestId, candidate.Deployment.DisplayName,
                    pe.Message, _retriesUsed, candidate.NumRetries, delay.Value.TotalMilliseconds);
                _child!.Tell(new ProviderCallActor.Retry(_retriesUsed + 1, delay.Value));
                _services.Metrics.Retry(candidate.Deployment.ProviderName, candidate.Deployment.DisplayName);
                StartAttemptSpan();
                return Directive.Restart;
            }
            _log.Info("request {0}: {1} asks to wait {2} s, longer than retry-after-max; moving on",
                _requestId, candidate.Deployment.DisplayName, pe.RetryAfter!.Value.TotalSeconds);
        }
        else
        {
            _log.Info("request {0}: {1} failed ({2}); no retry", _requestId, candidate.Deployment.DisplayName, error.Message);
        }
        return Directive.Stop;
    }

    /// <summary>Retry-After when the provider sent one (null when it exceeds retry-after-max: retrying earlier is pointless), else exponential backoff.</summary>
    private TimeSpan? RetryDelay(ProviderException error)
    {
        var upstream = _services.Settings.Upstream;
        if (error.RetryAfter is { } retryAfter) return retryAfter <= upstream.RetryAfterMax ? retryAfter : null;
        return upstream.Backoff(_retriesUsed);
    }

    private void NextCandidate()
    {
        _index++;
        LeaveDeployment();
        if (_index >= _plan!.Candidates.Count)
        {
            var error = _lastError is null ? EngineError.Internal("the plan had no candidates") : EngineError.FromException(_lastError);
            Finish(new CompletionFailed(error, Route()));
            return;
        }
        _retriesUsed = 0;
        _attempts++;
        var deployment = Current.Deployment;
        EnterDeployment(deployment);
        if (_index > 0) _services.Metrics.Fallback(deployment.ProviderName, deployment.DisplayName);
        StartAttemptSpan();
        var body = _request.ForUpstream(deployment.Model, Streaming);
        // Streams ask upstream for usage so cost can be computed (the client sees the usage chunk only if it
        // asked); stream_options on a non-streaming call would only make strict upstreams refuse it.
        body = Streaming
            ? body with { StreamOptions = (body.StreamOptions ?? new StreamOptions()) with { IncludeUsage = true } }
            : body with { StreamOptions = null };
        var call = new ProviderRequest(deployment.Endpoint, deployment.Model, body, _services.Settings.Upstream.Timeout);
        var metrics = _services.Metrics;
        var permit = _services.RateLimits?.PolicyFor(deployment, lastCandidate: _index == _plan.Candidates.Count - 1) is { } policy
            ? policy with { OnWaited = waited => metrics.LimiterWait(deployment.ProviderName, deployment.DisplayName, waited) }
            : null;
        _child = Context.ActorOf(ProviderCallActor.Props(call, _services.Clients, Streaming, permit), $"call-{_index}");
        Context.Watch(_child);
    }

    private void OnTerminated(Terminated terminated)
    {
        if (!terminated.ActorRef.Equals(_child) || _resultReceived) return;
        NextCandidate();
    }

    private void OnAnswered(ProviderCallActor.Answered answered)
    {
        if (!Sender.Equals(_child) || _resultReceived) return;
        _resultReceived = true;
        EndAttemptSpan(null);
        var deployment = Current.Deployment;
        _services.Planner.Stats.RecordSuccess(deployment.StatsKey, answered.Latency);
        LeaveDeployment();
        var response = answered.Response;
        var cost = _services.Prices.Cost(deployment.Model, response.Usage);
        if (cost is not null) response = response with { Cost = cost };
        Finish(new CompletionAnswered(response, Route()!));
    }

    private void OnStreamOpened(ProviderCallActor.StreamOpened opened)
    {
        if (!Sender.Equals(_child) || _resultReceived) return;
        _resultReceived = true;
        EndAttemptSpan(null);
        var deployment = Current.Deployment;
        _services.Planner.Stats.RecordSuccess(deployment.StatsKey, opened.TimeToFirstChunk);
        var self = Self;
        var prices = _services.Prices;
        var totals = new StreamTotals();
        var chunks = opened.Chunks
            .Via(new UsageChunkStage(_request.WantsStreamUsage, usage => prices.Cost(deployment.Model, usage), totals.Record))
            .WatchTermination((mat, done) =>
            {
                self.Tell(StreamMaterialized.Instance);
                done.ContinueWith(t => self.Tell(new StreamFinished(t.Exception?.GetBaseException())), TaskContinuationOptions.ExecuteSynchronously);
                return mat;
            });
        _replyTo.Tell(new CompletionStreaming(chunks, Route()!) { Totals = totals });
        // Nobody may ever run the stream (the client left while the reply was on its way): don't wait forever.
        Timers.StartSingleTimer(SubscriptionTimer, SubscriptionTimedOut.Instance, _services.Settings.Streaming.SubscriptionTimeout);
        Become(StreamingState);
    }

    private void StreamingState(object message)
    {
        switch (message)
        {
            case StreamMaterialized:
                Timers.Cancel(SubscriptionTimer);
                break;
            case StreamFinished f:
                if (f.Error is not null) _log.Info("request {0}: stream from {1} ended with an error: {2}", _requestId, Current.Deployment.DisplayName, f.Error.Message);
                Context.Stop(Self);
                break;
            case SubscriptionTimedOut:
                _log.Warning("request {0}: nobody read the stream within {1}; stopping", _requestId, _services.Settings.Streaming.SubscriptionTimeout);
                Context.Stop(Self);
                break;
            case Terminated:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private RouteInfo? Route()
    {
        if (_plan is null || _index < 0) return null;
        var deployment = _plan.Candidates[Math.Min(_index, _plan.Candidates.Count - 1)].Deployment;
        return new RouteInfo(deployment.DisplayName, deployment.ProviderName, _attempts, _routingMs);
    }

    private void Finish(ICompletionReply reply)
    {
        _replyTo.Tell(reply);
        Context.Stop(Self);
    }
}
