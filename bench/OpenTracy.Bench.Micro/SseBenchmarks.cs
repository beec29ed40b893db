using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using OpenTracy.Node.Edge;
using OpenTracy.Wire;

namespace OpenTracy.Bench.Micro;

/// <summary>
/// One SSE event as the edge writes it (<c>data: {json}\n\n</c>) into a buffer writer standing in for
/// Kestrel's PipeWriter (the flush is Kestrel's cost, not measured here): the way SseWriter does it
/// (serialize to a fresh byte[], then copy) against a Utf8JsonWriter writing straight into the buffer.
/// </summary>
[MemoryDiagnoser]
public class SseBenchmarks
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private readonly StreamChunk _chunk = Samples.Chunk();
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private Utf8JsonWriter? _json;

    [GlobalSetup]
    public void Setup() => _json = new Utf8JsonWriter(_output, new JsonWriterOptions { Encoder = EdgeJson.Wire.Options.Encoder, SkipValidation = true });

    [Benchmark(Baseline = true)]
    public int SerializeThenCopy()
    {
        _output.ResetWrittenCount();
        _output.Write(DataPrefix);
        _output.Write(JsonSerializer.SerializeToUtf8Bytes(_chunk, EdgeJson.Wire.StreamChunk));
        _output.Write(EventEnd);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int SerializeIntoWriter()
    {
        _output.ResetWrittenCount();
        _output.Write(DataPrefix);
        _json!.Reset(_output);
        JsonSerializer.Serialize(_json, _chunk, EdgeJson.Wire.StreamChunk);
        _json.Flush();
        _output.Write(EventEnd);
        return _output.WrittenCount;
    }
}
