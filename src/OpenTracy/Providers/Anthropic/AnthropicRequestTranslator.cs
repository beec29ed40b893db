using System.Text.Json;
using System.Text.Json.Nodes;
using OpenTracy.Wire;

namespace OpenTracy.Providers.Anthropic;

/// <summary>
/// Translates an OpenAI chat request into an Anthropic Messages API body.
/// <list type="bullet">
/// <item>All system (and <c>developer</c>) messages are kept, joined in order with a blank line into <c>system</c>.</item>
/// <item><c>temperature</c>, <c>top_p</c>, <c>stop</c> (→ <c>stop_sequences</c>), <c>tool_choice</c> and
/// <c>parallel_tool_calls:false</c> (→ <c>disable_parallel_tool_use</c>) are translated; of the remaining
/// fields only <c>metadata</c> and <c>top_k</c> pass through, because Anthropic rejects unknown fields.</item>
/// <item>Tool results become <c>tool_result</c> blocks in a user turn; consecutive same-role turns are merged,
/// so consecutive tool results share one user message, as Anthropic requires.</item>
/// <item>Assistant tool-call arguments must be a JSON object (empty → <c>{}</c>); anything else is a
/// non-retryable <see cref="ProviderFailureKind.Configuration"/> failure rather than a silent rewrite.</item>
/// </list>
/// </summary>
internal static class AnthropicRequestTranslator
{
    /// <summary>Anthropic requires <c>max_tokens</c>; used when the caller set neither max_tokens nor max_completion_tokens.</summary>
    public const int DefaultMaxTokens = 1024;

    /// <summary>Separator between the texts of several system messages.</summary>
    public const string SystemSeparator = "\n\n";

    /// <summary>OpenAI fields with no Anthropic counterpart that are still forwarded unchanged (Anthropic accepts them).</summary>
    private static readonly string[] PassThroughFields = ["metadata", "top_k"];

    private const string DataUriPrefix = "data:";
    private const string Base64Marker = ";base64,";

    public static JsonObject Translate(ChatRequest request, string model, bool stream, string provider)
    {
        var errors = new Failures(provider);
        var body = new JsonObject
        {
            ["model"] = model,
            ["max_tokens"] = request.MaxTokens ?? request.MaxCompletionTokens ?? DefaultMaxTokens,
        };

        var (system, messages) = TranslateMessages(request.Messages ?? [], errors);
        if (system.Length > 0) body["system"] = system;
        body["messages"] = messages;

        if (request.Temperature is { } temperature) body["temperature"] = temperature;
        if (request.TopP is { } topP) body["top_p"] = topP;
        if (request.Stop is { Values.Count: > 0 } stop) body["stop_sequences"] = new JsonArray([.. stop.Values.Select(s => (JsonNode?)JsonValue.Create(s))]);
        if (request.Tools is { Count: > 0 } tools) body["tools"] = TranslateTools(tools, errors);

        var parallelDisabled = request.Extra?.TryGetValue("parallel_tool_calls", out var ptc) == true && ptc.ValueKind == JsonValueKind.False;
        var toolChoice = TranslateToolChoice(request.ToolChoice, errors);
        if (parallelDisabled && request.Tools is { Count: > 0 })
        {
            toolChoice ??= new JsonObject { ["type"] = "auto" };
            if ((string?)toolChoice["type"] != "none") toolChoice["disable_parallel_tool_use"] = true;
        }
        if (toolChoice is not null) body["tool_choice"] = toolChoice;

        if (request.Extra is { } extra)
            foreach (var name in PassThroughFields)
                if (extra.TryGetValue(name, out var value) && value.ValueKind != JsonValueKind.Null) body[name] = ToNode(value);

        if (stream) body["stream"] = true;
        return body;
    }

    private static (string System, JsonArray Messages) TranslateMessages(IReadOnlyList<ChatMessage> input, Failures errors)
    {
        var systemTexts = new List<string>();
        var turns = new List<(string Role, JsonArray Blocks)>();

        foreach (var message in input)
        {
            string role;
            JsonArray blocks;
            switch (message.Role)
            {
                case "system" or "developer":
                    systemTexts.Add(message.Text);
                    continue;
                case "user":
                    role = "user";
                    blocks = ContentBlocks(message.Content, errors);
                    break;
                case "assistant":
                    role = "assistant";
                    blocks = AssistantBlocks(message, errors);
                    break;
                case "tool":
                    role = "user";
                    blocks = [ToolResult(message, errors)];
                    break;
                default:
                    throw errors.Configuration($"message role '{message.Role}' is not supported by the Anthropic Messages API");
            }

            if (turns.Count > 0 && turns[^1].Role == role) Append(turns[^1].Blocks, blocks);
            else turns.Add((role, blocks));
        }

        if (turns.Count == 0) turns.Add(("user", [TextBlock(string.Empty)]));

        var messages = new JsonArray();
        foreach (var (role, blocks) in turns)
            messages.Add(new JsonObject { ["role"] = role, ["content"] = blocks });
        return (string.Join(SystemSeparator, systemTexts.Where(t => t.Length > 0)), messages);
    }

    private static void Append(JsonArray target, JsonArray source)
    {
        // Anthropic rejects empty text blocks next to real content: drop placeholders when merging.
        if (target.Count == 1 && IsEmptyText(target[0])) target.Clear();
        foreach (var block in source.ToArray())
        {
            if (IsEmptyText(block) && target.Count > 0) continue;
            source.Remove(block);
            target.Add(block);
        }
    }

    private static bool IsEmptyText(JsonNode? block) => block is JsonObject o && (string?)o["type"] == "text" && (string?)o["text"] == string.Empty;

    /// <summary>User (or assistant) content: a string → one text block; parts → text / image blocks. Never empty.</summary>
    private static JsonArray ContentBlocks(MessageContent? content, Failures errors)
    {
        var blocks = new JsonArray();
        if (content is null || content.IsText)
        {
            blocks.Add(TextBlock(content?.PlainText ?? string.Empty));
            return blocks;
        }
        foreach (var part in content.Parts!)
        {
            var block = part.Type switch
            {
                "text" when string.IsNullOrEmpty(part.Text) => null,
                "text" => TextBlock(part.Text!),
                "image_url" => ImageBlock(part, errors),
                _ => throw errors.Configuration($"content part type '{part.Type}' is not supported by the Anthropic Messages API"),
            };
            if (block is null) continue;
            CopyCacheControl(part.Extra, block);
            blocks.Add(block);
        }
        if (blocks.Count == 0) blocks.Add(TextBlock(string.Empty));
        return blocks;
    }

    private static JsonArray AssistantBlocks(ChatMessage message, Failures errors)
    {
        if (message.ToolCalls is not { Count: > 0 } calls) return ContentBlocks(message.Content, errors);

        var blocks = new JsonArray();
        if (message.Text is { Length: > 0 } text) blocks.Add(TextBlock(text));
        foreach (var call in calls)
        {
            var name = call.Function?.Name;
            if (string.IsNullOrEmpty(call.Id) || string.IsNullOrEmpty(name))
                throw errors.Configuration("an assistant tool call needs an 'id' and a 'function.name' to be sent to Anthropic");
            blocks.Add(new JsonObject
            {
                ["type"] = "tool_use",
                ["id"] = call.Id,
                ["name"] = name,
                ["input"] = ParseArguments(call.Function!.Arguments, call.Id, errors),
            });
        }
        return blocks;
    }

    /// <summary>OpenAI arguments are JSON text; Anthropic's <c>input</c> must be a JSON object.</summary>
    private static JsonObject ParseArguments(string? arguments, string callId, Failures errors)
    {
        if (string.IsNullOrWhiteSpace(arguments)) return [];
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(arguments);
        }
        catch (JsonException)
        {
            throw errors.Configuration($"the arguments of tool call '{callId}' are not valid JSON; Anthropic needs a JSON object as tool input");
        }
        return parsed as JsonObject
            ?? throw errors.Configuration($"the arguments of tool call '{callId}' are not a JSON object; Anthropic needs a JSON object as tool input");
    }

    private static JsonObject ToolResult(ChatMessage message, Failures errors)
    {
        if (string.IsNullOrEmpty(message.ToolCallId))
            throw errors.Configuration("a tool message needs a 'tool_call_id' to be sent to Anthropic");
        return new JsonObject
        {
            ["type"] = "tool_result",
            ["tool_use_id"] = message.ToolCallId,
            ["content"] = message.Text,
        };
    }

    private static JsonObject TextBlock(string text) => new() { ["type"] = "text", ["text"] = text };

    private static JsonObject ImageBlock(ContentPart part, Failures errors)
    {
        var url = part.ImageUrl?.Url;
        if (string.IsNullOrEmpty(url)) throw errors.Configuration("an image_url content part has no url");

        JsonObject source;
        if (url.StartsWith(DataUriPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var marker = url.IndexOf(Base64Marker, StringComparison.OrdinalIgnoreCase);
            if (marker <= DataUriPrefix.Length)
                throw errors.Configuration("an image data URI must have the form data:<media type>;base64,<data>");
            source = new JsonObject
            {
                ["type"] = "base64",
                ["media_type"] = url[DataUriPrefix.Length..marker],
                ["data"] = url[(marker + Base64Marker.Length)..],
            };
        }
        else if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            source = new JsonObject { ["type"] = "url", ["url"] = url };
        }
        else
        {
            throw errors.Configuration("an image url must be an http(s) URL or a base64 data URI");
        }
        return new JsonObject { ["type"] = "image", ["source"] = source };
    }

    private static void CopyCacheControl(Dictionary<string, JsonElement>? extra, JsonObject block)
    {
        if (extra?.TryGetValue("cache_control", out var cc) == true && cc.ValueKind == JsonValueKind.Object)
            block["cache_control"] = ToNode(cc);
    }

    private static JsonArray TranslateTools(IReadOnlyList<ToolDefinition> tools, Failures errors)
    {
        var result = new JsonArray();
        foreach (var tool in tools)
        {
            if (tool.Type != "function" || tool.Function is null || tool.Function.Name.Length == 0)
                throw errors.Configuration($"tool type '{tool.Type}' is not supported by the Anthropic Messages API (only named function tools are)");
            var def = new JsonObject { ["name"] = tool.Function.Name };
            if (!string.IsNullOrEmpty(tool.Function.Description)) def["description"] = tool.Function.Description;
            def["input_schema"] = tool.Function.Parameters is { ValueKind: JsonValueKind.Object } schema
                ? ToNode(schema)
                : new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() };
            result.Add(def);
        }
        return result;
    }

    private static JsonObject? TranslateToolChoice(JsonElement? choice, Failures errors)
    {
        if (choice is not { } c || c.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return null;
        if (c.ValueKind == JsonValueKind.String)
        {
            return c.GetString() switch
            {
                "auto" => new JsonObject { ["type"] = "auto" },
                "required" => new JsonObject { ["type"] = "any" },
                "none" => new JsonObject { ["type"] = "none" },
                var other => throw errors.Configuration($"tool_choice '{other}' is not supported (use auto, required, none or a function)"),
            };
        }
        if (c.ValueKind == JsonValueKind.Object
            && c.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "function"
            && c.TryGetProperty("function", out var fn) && fn.ValueKind == JsonValueKind.Object
            && fn.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() is { Length: > 0 } toolName)
        {
            return new JsonObject { ["type"] = "tool", ["name"] = toolName };
        }
        throw errors.Configuration("tool_choice must be auto, required, none or {\"type\":\"function\",\"function\":{\"name\":...}}");
    }

    private static JsonNode? ToNode(JsonElement element) => JsonNode.Parse(element.GetRawText());

    /// <summary>Builds the non-retryable failures for requests that cannot be expressed in Anthropic's format.</summary>
    private readonly struct Failures(string provider)
    {
        public ProviderException Configuration(string message) => new(provider, ProviderFailureKind.Configuration, null, message);
    }
}
