using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenTracy.Wire;

/// <summary>Source-generated System.Text.Json metadata for the wire model (the hot path never reflects).</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    MaxDepth = 64)]
[JsonSerializable(typeof(ChatRequest))]
[JsonSerializable(typeof(ModelResponse))]
[JsonSerializable(typeof(StreamChunk))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(IReadOnlyList<ContentPart>))]
[JsonSerializable(typeof(IReadOnlyList<ChatMessage>))]
[JsonSerializable(typeof(Usage))]
[JsonSerializable(typeof(CostInfo))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(Dictionary<string, string>))]
public sealed partial class WireJson : JsonSerializerContext
{
    /// <summary>Serialize to UTF-8 bytes without an intermediate string.</summary>
    public static byte[] ToUtf8<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
        => JsonSerializer.SerializeToUtf8Bytes(value, info);
}
