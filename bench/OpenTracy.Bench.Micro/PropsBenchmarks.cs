using Akka.Actor;
using BenchmarkDotNet.Attributes;
using OpenTracy.Engine.Requests;
using OpenTracy.Providers;
using OpenTracy.Wire;

namespace OpenTracy.Bench.Micro;

/// <summary>
/// Per request the engine creates two actors (CompletionActor, ProviderCallActor), each from
/// <c>Props.Create(() =&gt; new Actor(args))</c>: an expression tree built and taken apart per request.
/// Compared with <c>Props.Create(typeof(T), args)</c>, which skips the expression.
/// </summary>
[MemoryDiagnoser]
public class PropsBenchmarks
{
    private readonly ProviderRequest _request = new(
        new ProviderEndpoint(ProviderCatalog.OpenAI, "http://127.0.0.1:1/v1", ProviderCredentials.None),
        "gpt-4o-mini", Samples.Request(), TimeSpan.FromSeconds(30));
    private readonly Func<ProviderInfo, IProviderClient> _clients = _ => throw new InvalidOperationException("not called");

    [Benchmark(Baseline = true)]
    public Props ExpressionProps() => ProviderCallActor.Props(_request, _clients, stream: false);

    [Benchmark]
    public Props TypeAndArgsProps() => Props.Create(typeof(ProviderCallActor), _request, _clients, false);
}
