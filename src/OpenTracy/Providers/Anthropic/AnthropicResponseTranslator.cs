using System.Text;
using System.Text.Json;
using OpenTracy.Wire;

namespace OpenTracy.Providers.Anthropic;

/// <summary>
/// Translates an Anthropic Messages API response into an OpenAI <c>chat.completion</c>:
/// text blocks concatenated into <c>content</c>, <c>tool_use</c> blocks into <c>tool_calls</c>,
/// stop reasons and usage mapped. Anything that is not that shape is an
/// <see cref="ProviderFailureKind.InvalidResponse"/>.
/// </summary>
internal static class AnthropicResponseTranslator
{
    public static ModelResponse Translate(ReadOnlyMemory<byte> json, string requestedModel, DateTimeOffset now, string provider)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return Translate(doc.RootElement, requestedModel, now, provider);
        }
        catch (JsonException ex)
        {
            throw Invalid(provider, $"the body is not JSON ({ex.Message})");
        }
        catch (InvalidOperationException ex)
        {
            throw Invalid(provider, $"unexpected JSON shape ({ex.Message})");
        }
    }

    private static ModelResponse Translate(JsonElement root, string requestedModel, DateTimeOffset now, string provider)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
            throw Invalid(provider, "expected a message object with a 'content' array");

        StringBuilder? text = null;
        List<ToolCall>? toolCalls = null;
        foreach (var block in content.EnumerateArray())
        {
            switch (StringOf(block, "type"))
            {
                case "text":
                    (text ??= new StringBuilder()).Append(StringOf(block, "text"));
                    break;
                case "tool_use":
                    (toolCalls ??= []).Add(new ToolCall
                    {
                        Id = StringOf(block, "id"),
                        Type = "function",
                        Function = new FunctionCall
                        {
                            Name = StringOf(block, "name"),
                            Arguments = block.TryGetProperty("input", out var input) ? Compact(input) : "{}",
                        },
                    });
                    break;
                // thinking, redacted_thinking and server-tool blocks have no chat.completion counterpart.
            }
        }

        var message = new ChatMessage
        {
            Role = "assistant",
            Content = text is not null ? MessageContent.FromText(text.ToString())
                : toolCalls is null ? MessageContent.FromText(string.Empty)
                : null,
            ToolCalls = toolCalls,
        };

        return new ModelResponse
        {
            Id = StringOf(root, "id") ?? string.Empty,
            Object = "chat.completion",
            Created = now.ToUnixTimeSeconds(),
            Model = StringOf(root, "model") is { Length: > 0 } m ? m : requestedModel,
            Choices = [new Choice { Index = 0, Message = message, FinishReason = MapStopReason(StringOf(root, "stop_reason")) }],
            Usage = root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object
                ? Wire.Usage.Of(IntOf(usage, "input_tokens"), IntOf(usage, "output_tokens"))
                : null,
        };
    }

    /// <summary>Anthropic stop reason → OpenAI finish reason (unknown or missing → <c>stop</c>).</summary>
    public static string MapStopReason(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        _ => "stop",
    };

    internal static string? StringOf(JsonElement obj, string name)
        => obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static int IntOf(JsonElement obj, string name)
        => obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : 0;

    internal static int? OptionalIntOf(JsonElement obj, string name)
        => obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    /// <summary>The JSON text of a value without insignificant whitespace.</summary>
    internal static string Compact(JsonElement element) => JsonSerializer.Serialize(element, WireJson.Default.JsonElement);

    internal static ProviderException Invalid(string provider, string message)
        => new(provider, ProviderFailureKind.InvalidResponse, null, message);
}
