using Akka.Actor;
using BenchmarkDotNet.Attributes;
using OpenTracy.Engine.Actors;
using OpenTracy.Engine.Requests;
using OpenTracy.Providers;
using OpenTracy.Wire;

namespace OpenTracy.Bench.Micro;

/// <summary>
/// Per request the engine creates two actors (CompletionActor, ProviderCallActor). The usual
/// <c>Props.Create(() =&gt; new Actor(args))</c> builds an expression tree per call (and the actor is then
/// made by reflection); <c>Props.Create(typeof(T), args)</c> skips the expression but keeps reflection;
/// the engine's <see cref="PerRequestProps"/> wraps a plain delegate.
/// </summary>
[MemoryDiagnoser]
public class PropsBenchmarks
{
    private readonly ProviderRequest _request = new(
        new ProviderEndpoint(ProviderCatalog.OpenAI, "http://127.0.0.1:1/v1", ProviderCredentials.None),
        "gpt-4o-mini", Samples.Request(), TimeSpan.FromSeconds(30));
    private readonly Func<ProviderInfo, IProviderClient> _clients = _ => throw new InvalidOperationException("not called");

    [Benchmark(Baseline = true)]
    public Props ExpressionProps() => Props.Create(() => new ProviderCallActor(_request, _clients, false, null));

    [Benchmark]
    public Props TypeAndArgsProps() => Props.Create(typeof(ProviderCallActor), _request, _clients, false, null!);

    [Benchmark]
    public Props DelegateProps() => ProviderCallActor.Props(_request, _clients, stream: false);
}
