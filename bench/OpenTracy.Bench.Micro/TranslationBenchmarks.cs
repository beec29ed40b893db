using System.Text.Json;
using BenchmarkDotNet.Attributes;
using OpenTracy.Providers.Anthropic;
using OpenTracy.Providers.Bedrock;
using OpenTracy.Wire;

namespace OpenTracy.Bench.Micro;

/// <summary>Provider request translation: OpenAI request → Anthropic Messages body (UTF-8) and → Bedrock Converse body.</summary>
[MemoryDiagnoser]
public class TranslationBenchmarks
{
    private readonly ChatRequest _request = Samples.Request();

    [Benchmark]
    public byte[] AnthropicMessages()
    {
        var body = AnthropicRequestTranslator.Translate(_request, "claude-3-5-haiku-latest", stream: true, "anthropic");
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) body.WriteTo(writer);
        return buffer.ToArray();
    }

    [Benchmark]
    public byte[] BedrockConverse() => ConverseRequestWriter.Write(_request);
}
