using System.Text.Json.Serialization;

namespace OpenTracy.Node.Edge;

/// <summary>OpenAI's model list: <c>{"object":"list","data":[{"id","object":"model","created","owned_by"}]}</c>.</summary>
public sealed record ModelList(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<ModelEntry> Data);

public sealed record ModelEntry(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy);

public sealed record HealthStatus(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("member")] string? Member = null,
    [property: JsonPropertyName("address")] string? Address = null);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(HealthStatus))]
public sealed partial class NodeJson : JsonSerializerContext;
