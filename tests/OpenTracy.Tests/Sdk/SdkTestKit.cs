using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using OpenTracy.Providers;
using OpenTracy.Sdk;
using OpenTracy.Wire;

namespace OpenTracy.Tests.Sdk;

/// <summary>
/// A clock whose timers fire at once (on the thread pool) and remember what they were asked to wait,
/// so retry back-off is asserted without sleeping. Timestamps advance by the waited time too.
/// </summary>
internal sealed class InstantTimeProvider : TimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _delays = new();
    private long _virtualTicks;

    public IReadOnlyList<TimeSpan> Delays => [.. _delays];

    public override long GetTimestamp() => base.GetTimestamp() + Interlocked.Read(ref _virtualTicks);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _delays.Enqueue(dueTime);
            Interlocked.Add(ref _virtualTicks, (long)(dueTime.TotalSeconds * TimestampFrequency));
            ThreadPool.QueueUserWorkItem(_ => callback(state));
        }
        return new NoopTimer();
    }

    private sealed class NoopTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;
        public void Dispose() { }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>A scripted provider client: each call takes the next step for its model (or the last one, repeated).</summary>
internal sealed class FakeProviderClient : IProviderClient
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Func<ProviderRequest, object>>> _scripts = new();
    private readonly ConcurrentQueue<ProviderRequest> _calls = new();

    public IReadOnlyList<ProviderRequest> Calls => [.. _calls];

    public IReadOnlyList<string> CalledModels => [.. _calls.Select(c => c.Model)];

    public int CallsTo(string model) => _calls.Count(c => c.Model == model);

    /// <summary>Steps for a bare model name: a <see cref="ModelResponse"/>, a pending <c>Task&lt;ModelResponse&gt;</c>, an exception, or a chunk list (streams).</summary>
    public FakeProviderClient Script(string model, params Func<ProviderRequest, object>[] steps)
    {
        _scripts[model] = new ConcurrentQueue<Func<ProviderRequest, object>>(steps);
        return this;
    }

    public FakeProviderClient Succeed(string model, string text = "ok", Usage? usage = null)
        => Script(model, _ => Answer(model, text, usage));

    public FakeProviderClient Fail(string model, params Exception[] failures)
        => Script(model, [.. failures.Select(f => (Func<ProviderRequest, object>)(_ => f))]);

    public Task<ModelResponse> CompleteAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        _calls.Enqueue(request);
        return Next(request) switch
        {
            ModelResponse r => Task.FromResult(r),
            Task<ModelResponse> pending => pending, // held until the test completes it
            Exception e => Task.FromException<ModelResponse>(e),
            var other => throw new InvalidOperationException("bad script step " + other),
        };
    }

    public async IAsyncEnumerable<StreamChunk> StreamAsync(ProviderRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        _calls.Enqueue(request);
        await Task.Yield();
        switch (Next(request))
        {
            case Exception e:
                throw e;
            case IEnumerable<object> items:
                foreach (var item in items)
                {
                    if (item is Exception ex) throw ex;
                    yield return (StreamChunk)item;
                }
                break;
            case ModelResponse r:
                yield return Chunk(r.Content ?? "");
                break;
        }
    }

    private object Next(ProviderRequest request)
    {
        if (!_scripts.TryGetValue(request.Model, out var steps)) return Answer(request.Model, "ok", null);
        if (steps.Count > 1 && steps.TryDequeue(out var step)) return step(request);
        return steps.TryPeek(out var last) ? last(request) : Answer(request.Model, "ok", null);
    }

    public static ModelResponse Answer(string model, string text, Usage? usage) => new()
    {
        Id = "fake-1",
        Model = model,
        Choices = [new Choice { Message = ChatMessage.Assistant(text), FinishReason = "stop" }],
        Usage = usage ?? Usage.Of(3, 2),
    };

    public static StreamChunk Chunk(string text) => new()
    {
        Id = "fake-chunk",
        Choices = [new ChunkChoice { Delta = new ChunkDelta { Content = text } }],
    };

    public static ProviderException Status(int status, TimeSpan? retryAfter = null, string provider = "openai")
        => new(provider, ProviderFailureKind.HttpStatus, status, $"status {status}", retryAfter);
}

internal static class SdkTestKit
{
    public static readonly ChatMessage[] Hello = [ChatMessage.User("hello")];

    public static ProviderEnvironment Env(params (string Name, string Value)[] vars)
    {
        var map = vars.ToDictionary(v => v.Name, v => v.Value);
        return new ProviderEnvironment(n => map.GetValueOrDefault(n));
    }

    /// <summary>Environment with keys for the common providers.</summary>
    public static ProviderEnvironment KeyedEnv(params (string Name, string Value)[] extra)
        => Env([("OPENAI_API_KEY", "sk-test"), ("ANTHROPIC_API_KEY", "ak-test"), ("GROQ_API_KEY", "gk-test"),
            ("DEEPSEEK_API_KEY", "dk-test"), ("MISTRAL_API_KEY", "mk-test"), .. extra]);

    /// <summary>A client whose every wire format is the fake.</summary>
    public static OpenTracyClient Client(FakeProviderClient fake, ProviderEnvironment? env = null, TimeProvider? time = null, PriceLookup? price = null)
        => new(new HttpClient(), env ?? KeyedEnv(), _ => fake, time ?? new InstantTimeProvider(), price);

    /// <summary>$1 per 1M input tokens and $2 per 1M output tokens for "cheap"/"gpt-4o-mini"; $10/$20 for "pricey"; nothing else priced.</summary>
    public static readonly PriceLookup TestPrices = (model, usage) => model switch
    {
        "cheap" or "gpt-4o-mini" => Cost(usage, 1, 2),
        "pricey" => Cost(usage, 10, 20),
        _ => null,
    };

    private static CostInfo Cost(Usage u, double inPerM, double outPerM)
    {
        var i = u.PromptTokens / 1e6 * inPerM;
        var o = u.CompletionTokens / 1e6 * outPerM;
        return new CostInfo { InputCostUsd = i, OutputCostUsd = o, TotalCostUsd = i + o };
    }
}
