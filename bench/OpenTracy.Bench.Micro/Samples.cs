using System.Text;
using OpenTracy.Wire;

namespace OpenTracy.Bench.Micro;

/// <summary>The payloads the benchmarks share: the same short conversation the load generator sends.</summary>
public static class Samples
{
    public const string RequestJson = """
        {"model":"openai/gpt-4o-mini","messages":[{"role":"system","content":"You are a benchmark. Answer briefly."},
        {"role":"user","content":"Hello from the OpenTracy benchmark, please say something short. [mock delay-ms=20]"}],
        "max_tokens":64,"temperature":0.2,"stream":true,"user":"bench-user","seed":7}
        """;

    public static readonly byte[] RequestBytes = Encoding.UTF8.GetBytes(RequestJson);

    public static ChatRequest Request() => System.Text.Json.JsonSerializer.Deserialize(RequestBytes, WireJson.Default.ChatRequest)!;

    public static ModelResponse Response() => new()
    {
        Id = "chatcmpl-0123456789abcdef",
        Created = 1_764_000_000,
        Model = "gpt-4o-mini",
        Choices = [new Choice { Index = 0, Message = ChatMessage.Assistant("echo: Hello from the OpenTracy benchmark, please say something short."), FinishReason = "stop" }],
        Usage = new Usage { PromptTokens = 19, CompletionTokens = 11, TotalTokens = 30 },
        Provider = "openai",
        LatencyMs = 21.5,
    };

    public static StreamChunk Chunk() => new()
    {
        Id = "chatcmpl-0123456789abcdef",
        Created = 1_764_000_000,
        Model = "gpt-4o-mini",
        Choices = [new ChunkChoice { Index = 0, Delta = new ChunkDelta { Content = " something" } }],
    };
}
