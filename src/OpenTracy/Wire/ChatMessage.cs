using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenTracy.Wire;

/// <summary>One chat message (system, user, assistant, tool — other roles pass through as given).</summary>
public sealed record ChatMessage
{
    [JsonPropertyName("role")] public string Role { get; init => field = value ?? "user"; } = "user";
    [JsonPropertyName("content")] public MessageContent? Content { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("tool_calls")] public IReadOnlyList<ToolCall>? ToolCalls { get; init; }
    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; init; }
    [JsonPropertyName("refusal")] public string? Refusal { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }

    public static ChatMessage System(string text) => new() { Role = "system", Content = MessageContent.FromText(text) };
    public static ChatMessage User(string text) => new() { Role = "user", Content = MessageContent.FromText(text) };
    public static ChatMessage Assistant(string text) => new() { Role = "assistant", Content = MessageContent.FromText(text) };
    public static ChatMessage Tool(string toolCallId, string text) => new() { Role = "tool", ToolCallId = toolCallId, Content = MessageContent.FromText(text) };

    /// <summary>The text of the message: the string content, or its text parts joined with a newline.</summary>
    [JsonIgnore] public string Text => Content?.Text ?? string.Empty;
}

/// <summary>Message content: either a plain string or a list of content parts (text, image_url, ...).</summary>
[JsonConverter(typeof(MessageContentConverter))]
public sealed record MessageContent
{
    private MessageContent(string? text, IReadOnlyList<ContentPart>? parts)
    {
        PlainText = text;
        Parts = parts;
    }

    /// <summary>Set when the content was a JSON string.</summary>
    public string? PlainText { get; }

    /// <summary>Set when the content was a JSON array of parts.</summary>
    public IReadOnlyList<ContentPart>? Parts { get; }

    public bool IsText => Parts is null;

    public static MessageContent FromText(string text) => new(text, null);
    public static MessageContent FromParts(IReadOnlyList<ContentPart> parts) => new(null, parts);

    /// <summary>The string, or text parts joined with "\n".</summary>
    public string Text
    {
        get
        {
            if (Parts is null) return PlainText ?? string.Empty;
            var sb = new StringBuilder();
            foreach (var p in Parts)
            {
                if (p.Type != "text" || p.Text is null) continue;
                if (sb.Length > 0) sb.Append('\n');
                sb.Append(p.Text);
            }
            return sb.ToString();
        }
    }
}

/// <summary>A content part: <c>{"type":"text","text":..}</c> or <c>{"type":"image_url","image_url":{"url":..}}</c>; other types pass through.</summary>
public sealed record ContentPart
{
    [JsonPropertyName("type")] public string Type { get; init => field = value ?? "text"; } = "text";
    [JsonPropertyName("text")] public string? Text { get; init; }
    [JsonPropertyName("image_url")] public ImageUrl? ImageUrl { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }

    public static ContentPart FromText(string text) => new() { Type = "text", Text = text };
    public static ContentPart FromImageUrl(string url) => new() { Type = "image_url", ImageUrl = new ImageUrl { Url = url } };
}

public sealed record ImageUrl
{
    [JsonPropertyName("url")] public string Url { get; init => field = value ?? string.Empty; } = string.Empty;
    [JsonPropertyName("detail")] public string? Detail { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }
}
