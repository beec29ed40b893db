using System.Text.Json;
using BenchmarkDotNet.Attributes;
using OpenTracy.Node.Edge;
using OpenTracy.Wire;

namespace OpenTracy.Bench.Micro;

/// <summary>
/// The edge's request parse (JsonDocument + validation + typed deserialize, as ChatRequestReader does it),
/// a plain typed parse for comparison, the upstream body serialization and the JSON answer serialization.
/// </summary>
[MemoryDiagnoser]
public class WireBenchmarks
{
    private readonly ChatRequest _request = Samples.Request();
    private readonly ModelResponse _response = Samples.Response();

    [Benchmark(Baseline = true)]
    public ChatRequest? ParseTypedOnly() => JsonSerializer.Deserialize(Samples.RequestBytes, WireJson.Default.ChatRequest);

    [Benchmark]
    public ChatRequest? ParseAtEdge() => ChatRequestReader.Parse(Samples.RequestBytes).Request;

    [Benchmark]
    public byte[] SerializeUpstreamRequest() => WireJson.ToUtf8(_request.ForUpstream("gpt-4o-mini", stream: false), WireJson.Default.ChatRequest);

    [Benchmark]
    public byte[] SerializeResponse() => JsonSerializer.SerializeToUtf8Bytes(_response, EdgeJson.Wire.ModelResponse);
}
