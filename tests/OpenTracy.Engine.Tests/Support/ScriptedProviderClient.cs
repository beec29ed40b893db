using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using OpenTracy.Providers;
using OpenTracy.Wire;

namespace OpenTracy.Engine.Tests.Support;

/// <summary>
/// A provider client driven by a script per bare model name: each call takes the next step
/// (fail, answer, hang until cancelled, stream). Records every call with its time, and every
/// cancellation it observes.
/// </summary>
public sealed class ScriptedProviderClient : IProviderClient
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Step>> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Call> _calls = new();
    private int _cancelled;
    private int _pulled;

    public abstract record Step;
    public sealed record Fail(ProviderException Error) : Step;
    public sealed record Throw(Exception Error) : Step;
    public sealed record Answer(string Content) : Step;
    public sealed record Hang : Step;
    /// <summary>Streams <paramref name="Chunks"/> content chunks (then a usage chunk), failing after <paramref name="FailAfter"/> chunks when set; <paramref name="ChunkDelay"/> between chunks.</summary>
    public sealed record Streams(int Chunks, int? FailAfter = null, TimeSpan? ChunkDelay = null) : Step;

    public sealed record Call(string Model, string Provider, TimeSpan At, ProviderRequest Request);

    private readonly long _origin = Stopwatch.GetTimestamp();

    /// <summary>Signalled each time a call observes its cancellation.</summary>
    public TaskCompletionSource CancellationSeen { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int CancelledCount => Volatile.Read(ref _cancelled);

    /// <summary>Stream chunks produced so far (each one pulled by the consumer of the upstream enumerator).</summary>
    public int Pulled => Volatile.Read(ref _pulled);

    public ScriptedProviderClient Script(string model, params Step[] steps)
    {
        var q = _scripts.GetOrAdd(model, _ => new ConcurrentQueue<Step>());
        foreach (var s in steps) q.Enqueue(s);
        return this;
    }

    public IReadOnlyList<Call> Calls => [.. _calls];

    public IReadOnlyList<Call> CallsTo(string model) => [.. _calls.Where(c => c.Model == model)];

    public static ProviderException Status(int status, TimeSpan? retryAfter = null, string provider = "openai")
        => new(provider, ProviderFailureKind.HttpStatus, status, $"scripted {status}", retryAfter);

    private Step Next(ProviderRequest request)
    {
        _calls.Enqueue(new Call(request.Model, request.ProviderName, Stopwatch.GetElapsedTime(_origin), request));
        return _scripts.TryGetValue(request.Model, out var q) && q.TryDequeue(out var step) ? step : new Answer($"default answer from {request.Model}");
    }

    public async Task<ModelResponse> CompleteAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        var step = Next(request);
        switch (step)
        {
            case Fail f:
                await Task.Yield();
                throw f.Error;
            case Throw t:
                throw t.Error;
            case Hang:
                await WaitForCancellation(cancellationToken);
                throw new OperationCanceledException(cancellationToken);
            case Answer a:
                await Task.Yield();
                return Response(request.Model, a.Content);
            default:
                throw new InvalidOperationException($"step {step} is not for CompleteAsync");
        }
    }

    public async IAsyncEnumerable<StreamChunk> StreamAsync(ProviderRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var step = Next(request);
        switch (step)
        {
            case Fail f:
                await Task.Yield();
                throw f.Error;
            case Hang:
                await WaitForCancellation(cancellationToken);
                throw new OperationCanceledException(cancellationToken);
            case Streams s:
                for (var i = 0; i < s.Chunks; i++)
                {
                    if (s.FailAfter == i) throw Status(502, provider: request.ProviderName);
                    if (i > 0 && s.ChunkDelay is { } delay)
                    {
                        try
                        {
                            await Task.Delay(delay, cancellationToken);
                        }
                        catch (OperationCanceledException)
                        {
                            Interlocked.Increment(ref _cancelled);
                            CancellationSeen.TrySetResult();
                            throw;
                        }
                    }
                    Interlocked.Increment(ref _pulled);
                    yield return Chunk(request.Model, $"c{i} ");
                }
                yield return new StreamChunk { Id = "chatcmpl-test", Model = request.Model, Choices = [], Usage = Usage.Of(3, s.Chunks) };
                break;
            default:
                throw new InvalidOperationException($"step {step} is not for StreamAsync");
        }
    }

    private async Task WaitForCancellation(CancellationToken cancellationToken)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (cancellationToken.Register(() => cancelled.TrySetResult()))
            await cancelled.Task;
        Interlocked.Increment(ref _cancelled);
        CancellationSeen.TrySetResult();
    }

    public static ModelResponse Response(string model, string content) => new()
    {
        Id = "chatcmpl-test",
        Model = model,
        Choices = [new Choice { Index = 0, Message = ChatMessage.Assistant(content), FinishReason = "stop" }],
        Usage = Usage.Of(10, 20),
    };

    public static StreamChunk Chunk(string model, string content) => new()
    {
        Id = "chatcmpl-test",
        Model = model,
        Choices = [new ChunkChoice { Index = 0, Delta = new ChunkDelta { Content = content } }],
    };
}
