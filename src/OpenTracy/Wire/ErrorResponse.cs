using System.Text.Json.Serialization;

namespace OpenTracy.Wire;

/// <summary>OpenAI's error object: <c>{"error":{"message","type","param","code"}}</c>.</summary>
public sealed record ErrorResponse([property: JsonPropertyName("error")] ErrorBody Error)
{
    public static ErrorResponse Of(string message, string type, string? code = null, string? param = null)
        => new(new ErrorBody(message, type, param, code));
}

public sealed record ErrorBody(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonPropertyName("code"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);
