using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using OpenTracy.Wire;
using AiMessage = Microsoft.Extensions.AI.ChatMessage;
using WireMessage = OpenTracy.Wire.ChatMessage;

namespace OpenTracy.Extensions.AI;

/// <summary>Microsoft.Extensions.AI messages and options → the OpenAI wire model and <see cref="CompletionOptions"/>.</summary>
internal static class ChatRequestMapping
{
    private const string ImageMediaPrefix = "image/";
    private const string DefaultSchemaName = "response";

    public static List<WireMessage> ToWire(IEnumerable<AiMessage> messages, string? instructions)
    {
        var wire = new List<WireMessage>();
        if (!string.IsNullOrEmpty(instructions)) wire.Add(WireMessage.System(instructions));
        foreach (var message in messages) AddMessage(wire, message);
        return wire;
    }

    /// <summary>
    /// One AI message becomes one wire message (text and image parts, tool calls); each function result
    /// becomes its own <c>role:"tool"</c> message, as the OpenAI schema wants.
    /// </summary>
    private static void AddMessage(List<WireMessage> wire, AiMessage message)
    {
        var parts = new List<ContentPart>();
        var calls = new List<ToolCall>();
        var hasImage = false;
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent text:
                    parts.Add(ContentPart.FromText(text.Text));
                    break;
                case DataContent data when data.MediaType.StartsWith(ImageMediaPrefix, StringComparison.OrdinalIgnoreCase):
                    parts.Add(ContentPart.FromImageUrl(data.Uri));
                    hasImage = true;
                    break;
                case UriContent uri when uri.MediaType.StartsWith(ImageMediaPrefix, StringComparison.OrdinalIgnoreCase):
                    parts.Add(ContentPart.FromImageUrl(uri.Uri.ToString()));
                    hasImage = true;
                    break;
                case FunctionCallContent call:
                    calls.Add(new ToolCall
                    {
                        Id = call.CallId,
                        Type = "function",
                        Function = new FunctionCall { Name = call.Name, Arguments = SerializeArguments(call.Arguments) },
                    });
                    break;
                case FunctionResultContent result:
                    wire.Add(new WireMessage { Role = "tool", ToolCallId = result.CallId, Content = MessageContent.FromText(ResultText(result.Result)) });
                    break;
            }
        }
        if (parts.Count == 0 && calls.Count == 0) return;

        MessageContent? body = hasImage
            ? MessageContent.FromParts(parts)
            : parts.Count > 0 ? MessageContent.FromText(string.Concat(parts.Select(p => p.Text))) : null;
        wire.Add(new WireMessage
        {
            Role = message.Role.Value,
            Content = body,
            Name = message.AuthorName,
            ToolCalls = calls.Count > 0 ? calls : null,
        });
    }

    public static CompletionOptions ToOptions(ChatOptions? options, CompletionOptions defaults)
    {
        if (options is null) return defaults;
        var extra = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (defaults.Extra is { } baseExtra)
            foreach (var (k, v) in baseExtra) extra[k] = v;
        if (options.Seed is { } seed) extra["seed"] = seed;
        if (options.FrequencyPenalty is { } fp) extra["frequency_penalty"] = fp;
        if (options.PresencePenalty is { } pp) extra["presence_penalty"] = pp;
        if (ResponseFormat(options.ResponseFormat) is { } rf) extra["response_format"] = rf;
        if (options.AdditionalProperties is { } props)
            foreach (var (k, v) in props) extra[k] = v;

        return defaults with
        {
            Temperature = options.Temperature ?? defaults.Temperature,
            TopP = options.TopP ?? defaults.TopP,
            MaxTokens = options.MaxOutputTokens ?? defaults.MaxTokens,
            Stop = options.StopSequences is { Count: > 0 } stop ? [.. stop] : defaults.Stop,
            Tools = Tools(options.Tools) ?? defaults.Tools,
            ToolChoice = ToolChoice(options.ToolMode) ?? defaults.ToolChoice,
            Extra = extra.Count > 0 ? extra : null,
        };
    }

    private static IReadOnlyList<ToolDefinition>? Tools(IList<AITool>? tools)
    {
        if (tools is not { Count: > 0 }) return null;
        var list = new List<ToolDefinition>();
        foreach (var tool in tools)
        {
            if (tool is not AIFunctionDeclaration f) continue;
            list.Add(new ToolDefinition
            {
                Function = new FunctionDefinition { Name = f.Name, Description = string.IsNullOrEmpty(f.Description) ? null : f.Description, Parameters = f.JsonSchema },
            });
        }
        return list.Count > 0 ? list : null;
    }

    private static JsonElement? ToolChoice(ChatToolMode? mode) => mode switch
    {
        null => null,
        NoneChatToolMode => ToolChoices.None,
        AutoChatToolMode => ToolChoices.Auto,
        RequiredChatToolMode { RequiredFunctionName: { } name } => ToolChoices.Function(name),
        RequiredChatToolMode => ToolChoices.Required,
        _ => null,
    };

    private static JsonElement? ResponseFormat(ChatResponseFormat? format)
    {
        JsonObject? node = format switch
        {
            ChatResponseFormatJson { Schema: { } schema } json => new JsonObject
            {
                ["type"] = "json_schema",
                ["json_schema"] = new JsonObject
                {
                    ["name"] = json.SchemaName ?? DefaultSchemaName,
                    ["description"] = json.SchemaDescription,
                    ["schema"] = JsonNode.Parse(schema.GetRawText()),
                },
            },
            ChatResponseFormatJson => new JsonObject { ["type"] = "json_object" },
            _ => null,
        };
        if (node is null) return null;
        if (node["json_schema"] is JsonObject spec && spec["description"] is null) spec.Remove("description");
        using var doc = JsonDocument.Parse(node.ToJsonString());
        return doc.RootElement.Clone();
    }

    private static string SerializeArguments(IDictionary<string, object?>? arguments)
        => arguments is null ? "{}" : JsonSerializer.Serialize(arguments, AIJsonUtilities.DefaultOptions);

    private static string ResultText(object? result) => result switch
    {
        null => string.Empty,
        string s => s,
        JsonElement e when e.ValueKind == JsonValueKind.String => e.GetString() ?? string.Empty,
        _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions),
    };
}
