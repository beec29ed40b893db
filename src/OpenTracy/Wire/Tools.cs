using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenTracy.Wire;

/// <summary>A tool offered to the model: <c>{"type":"function","function":{name,description,parameters,strict}}</c>.</summary>
public sealed record ToolDefinition
{
    [JsonPropertyName("type")] public string Type { get; init => field = value ?? "function"; } = "function";
    [JsonPropertyName("function")] public FunctionDefinition? Function { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record FunctionDefinition
{
    [JsonPropertyName("name")] public string Name { get; init => field = value ?? string.Empty; } = string.Empty;
    [JsonPropertyName("description")] public string? Description { get; init; }
    [JsonPropertyName("parameters")] public JsonElement? Parameters { get; init; }
    [JsonPropertyName("strict")] public bool? Strict { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>A tool call made by the model. In stream deltas <see cref="Index"/> says which call a fragment extends.</summary>
public sealed record ToolCall
{
    [JsonPropertyName("index")] public int? Index { get; init; }
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("function")] public FunctionCall? Function { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed record FunctionCall
{
    [JsonPropertyName("name")] public string? Name { get; init; }

    /// <summary>The arguments as a JSON-encoded string (or a fragment of it in a stream delta).</summary>
    [JsonPropertyName("arguments")] public string? Arguments { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }
}
