using System.Text.Json;
using OpenTracy.Wire;

namespace OpenTracy.Providers.Bedrock;

/// <summary>
/// Translates an OpenAI chat request into a Bedrock Converse / ConverseStream body:
/// system messages → <c>system</c>, user/assistant/tool → alternating <c>messages</c> of content blocks,
/// sampling → <c>inferenceConfig</c>, tools → <c>toolConfig</c>. What Converse cannot express (image URLs,
/// unknown content part types) is refused with a <see cref="ProviderFailureKind.Configuration"/> error.
/// </summary>
public static class ConverseRequestWriter
{
    private const string DataUriPrefix = "data:";
    private const string Base64Marker = ";base64,";

    /// <summary>The UTF-8 JSON body for <paramref name="request"/>.</summary>
    public static byte[] Write(ChatRequest request, string provider = "bedrock")
    {
        ArgumentNullException.ThrowIfNull(request);
        var (system, turns) = Collect(request.Messages ?? [], provider);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("messages");
            foreach (var turn in turns)
            {
                w.WriteStartObject();
                w.WriteString("role", turn.Role);
                w.WriteStartArray("content");
                foreach (var block in turn.Blocks) block(w);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();

            if (system.Count > 0)
            {
                w.WriteStartArray("system");
                foreach (var text in system) WriteTextBlock(w, text);
                w.WriteEndArray();
            }
            WriteInferenceConfig(w, request);
            WriteToolConfig(w, request, provider);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private sealed record Turn(string Role, List<Action<Utf8JsonWriter>> Blocks);

    private static (List<string> System, List<Turn> Turns) Collect(IReadOnlyList<ChatMessage> messages, string provider)
    {
        var system = new List<string>();
        var turns = new List<Turn>();
        foreach (var m in messages)
        {
            string role;
            List<Action<Utf8JsonWriter>> blocks;
            switch (m.Role)
            {
                case "system" or "developer":
                    system.Add(m.Text);
                    continue;
                case "user":
                    (role, blocks) = ("user", ContentBlocks(m, provider));
                    break;
                case "assistant":
                    (role, blocks) = ("assistant", AssistantBlocks(m, provider));
                    break;
                case "tool":
                    (role, blocks) = ("user", [ToolResultBlock(m, provider)]);
                    break;
                default:
                    throw Configuration(provider, $"message role '{m.Role}' cannot be sent to Bedrock Converse");
            }
            // Converse requires user and assistant turns to alternate: consecutive same-role messages merge.
            if (turns.Count > 0 && turns[^1].Role == role) turns[^1].Blocks.AddRange(blocks);
            else turns.Add(new Turn(role, blocks));
        }
        return (system, turns);
    }

    private static List<Action<Utf8JsonWriter>> ContentBlocks(ChatMessage m, string provider)
    {
        var blocks = new List<Action<Utf8JsonWriter>>();
        if (m.Content is null) return blocks;
        if (m.Content.Parts is not { } parts)
        {
            var text = m.Content.PlainText ?? string.Empty;
            blocks.Add(w => WriteTextBlock(w, text));
            return blocks;
        }
        foreach (var part in parts)
        {
            switch (part.Type)
            {
                case "text":
                    var text = part.Text ?? string.Empty;
                    blocks.Add(w => WriteTextBlock(w, text));
                    break;
                case "image_url":
                    var (format, base64) = ParseImage(part.ImageUrl?.Url, provider);
                    blocks.Add(w => WriteImageBlock(w, format, base64));
                    break;
                default:
                    throw Configuration(provider, $"content part type '{part.Type}' cannot be sent to Bedrock Converse");
            }
        }
        return blocks;
    }

    private static List<Action<Utf8JsonWriter>> AssistantBlocks(ChatMessage m, string provider)
    {
        var blocks = ContentBlocks(m, provider);
        // An assistant turn that only calls tools carries no (empty) text block.
        if (m.ToolCalls is { Count: > 0 } calls)
        {
            if (m.Content is { IsText: true } c && string.IsNullOrEmpty(c.PlainText)) blocks.Clear();
            foreach (var call in calls) blocks.Add(ToolUseBlock(call, provider));
        }
        return blocks;
    }

    private static Action<Utf8JsonWriter> ToolUseBlock(ToolCall call, string provider)
    {
        var id = call.Id ?? throw Configuration(provider, "an assistant tool call has no id");
        var name = call.Function?.Name ?? throw Configuration(provider, $"tool call '{id}' has no function name");
        var arguments = call.Function.Arguments;
        JsonElement input;
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments);
            input = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new ProviderException(provider, ProviderFailureKind.Configuration, null,
                $"arguments of tool call '{id}' are not valid JSON: {ex.Message}", null, ex);
        }
        return w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("toolUse");
            w.WriteString("toolUseId", id);
            w.WriteString("name", name);
            w.WritePropertyName("input");
            input.WriteTo(w);
            w.WriteEndObject();
            w.WriteEndObject();
        };
    }

    private static Action<Utf8JsonWriter> ToolResultBlock(ChatMessage m, string provider)
    {
        var id = m.ToolCallId ?? throw Configuration(provider, "a tool message has no tool_call_id");
        var text = m.Text;
        return w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("toolResult");
            w.WriteString("toolUseId", id);
            w.WriteStartArray("content");
            WriteTextBlock(w, text);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        };
    }

    /// <summary>A base64 data URI → (Converse image format, base64 data). Bedrock cannot fetch URLs.</summary>
    internal static (string Format, string Base64) ParseImage(string? url, string provider)
    {
        if (string.IsNullOrEmpty(url)) throw Configuration(provider, "an image_url part has no url");
        if (!url.StartsWith(DataUriPrefix, StringComparison.OrdinalIgnoreCase))
            throw Configuration(provider, "Bedrock cannot fetch image URLs; send the image inline as a base64 data URI (data:image/png;base64,...)");
        var marker = url.IndexOf(Base64Marker, StringComparison.OrdinalIgnoreCase);
        if (marker < 0) throw Configuration(provider, "image data URIs must be base64-encoded (data:<media type>;base64,<data>)");
        var mediaType = url[DataUriPrefix.Length..marker].Trim().ToLowerInvariant();
        var format = mediaType switch
        {
            "image/png" => "png",
            "image/jpeg" or "image/jpg" => "jpeg",
            "image/gif" => "gif",
            "image/webp" => "webp",
            _ => throw Configuration(provider, $"image media type '{mediaType}' is not supported by Bedrock (png, jpeg, gif, webp)"),
        };
        return (format, url[(marker + Base64Marker.Length)..]);
    }

    private static void WriteInferenceConfig(Utf8JsonWriter w, ChatRequest r)
    {
        var maxTokens = r.MaxTokens ?? r.MaxCompletionTokens;
        var stops = r.Stop?.Values;
        if (maxTokens is null && r.Temperature is null && r.TopP is null && stops is not { Count: > 0 }) return;
        w.WriteStartObject("inferenceConfig");
        if (maxTokens is { } mt) w.WriteNumber("maxTokens", mt);
        if (r.Temperature is { } t) w.WriteNumber("temperature", t);
        if (r.TopP is { } p) w.WriteNumber("topP", p);
        if (stops is { Count: > 0 })
        {
            w.WriteStartArray("stopSequences");
            foreach (var s in stops) w.WriteStringValue(s);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void WriteToolConfig(Utf8JsonWriter w, ChatRequest r, string provider)
    {
        if (r.Tools is not { Count: > 0 } tools) return;
        w.WriteStartObject("toolConfig");
        w.WriteStartArray("tools");
        foreach (var tool in tools)
        {
            if (tool.Type != "function" || tool.Function is not { } fn)
                throw Configuration(provider, $"tool type '{tool.Type}' cannot be sent to Bedrock Converse (function tools only)");
            w.WriteStartObject();
            w.WriteStartObject("toolSpec");
            w.WriteString("name", fn.Name);
            if (fn.Description is { } d) w.WriteString("description", d);
            w.WriteStartObject("inputSchema");
            w.WritePropertyName("json");
            if (fn.Parameters is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } schema) schema.WriteTo(w);
            else
            {
                w.WriteStartObject();
                w.WriteString("type", "object");
                w.WriteStartObject("properties");
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        WriteToolChoice(w, r.ToolChoice, provider);
        w.WriteEndObject();
    }

    private static void WriteToolChoice(Utf8JsonWriter w, JsonElement? choice, string provider)
    {
        if (choice is not { } c || c.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return;
        if (c.ValueKind == JsonValueKind.String)
        {
            switch (c.GetString())
            {
                case "auto":
                    WriteChoice(w, "auto", null);
                    return;
                case "required":
                    WriteChoice(w, "any", null);
                    return;
                case "none":
                    return; // Converse has no "none": the tools stay offered, no choice is forced.
                default:
                    throw Configuration(provider, $"tool_choice '{c.GetString()}' is not supported");
            }
        }
        if (c.ValueKind == JsonValueKind.Object
            && c.TryGetProperty("function", out var fn) && fn.ValueKind == JsonValueKind.Object
            && fn.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
        {
            WriteChoice(w, "tool", name.GetString());
            return;
        }
        throw Configuration(provider, "tool_choice must be \"auto\", \"required\", \"none\" or {\"type\":\"function\",\"function\":{\"name\":...}}");
    }

    private static void WriteChoice(Utf8JsonWriter w, string kind, string? toolName)
    {
        w.WriteStartObject("toolChoice");
        w.WriteStartObject(kind);
        if (toolName is not null) w.WriteString("name", toolName);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteTextBlock(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("text", text);
        w.WriteEndObject();
    }

    private static void WriteImageBlock(Utf8JsonWriter w, string format, string base64)
    {
        w.WriteStartObject();
        w.WriteStartObject("image");
        w.WriteString("format", format);
        w.WriteStartObject("source");
        w.WriteString("bytes", base64);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static ProviderException Configuration(string provider, string message)
        => new(provider, ProviderFailureKind.Configuration, null, message);
}
