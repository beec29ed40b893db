using System.Text;
using System.Text.Json;

namespace OpenTracy.MockProvider;

/// <summary>The few facts the mock needs from a chat request, in any of the wire formats.</summary>
internal sealed class ChatRequest
{
    public bool ValidJson;
    public string? Model;
    public bool HasModel;
    public bool HasMessages;
    public bool HasMaxTokens;
    public bool Stream;
    public bool IncludeUsage;

    /// <summary>Text of the last user message (directives still inside).</summary>
    public string LastUserText = "";

    /// <summary>Whitespace-separated words of every message text (all roles, system included).</summary>
    public int PromptWords;

    /// <summary>The conversation ends with a tool result: a tool directive is not repeated (lets tool loops finish).</summary>
    public bool EndsWithToolResult;

    public static ChatRequest ParseOpenAi(byte[] body) => Parse(body, static (r, root) =>
        {
            r.ReadModel(root);
            r.Stream = IsTrue(root, "stream");
            if (root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object)
            {
                r.IncludeUsage = IsTrue(so, "include_usage");
            }
            if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
            {
                r.HasMessages = true;
                string? lastRole = null;
                foreach (var m in messages.EnumerateArray())
                {
                    if (m.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }
                    var role = m.TryGetProperty("role", out var roleEl) && roleEl.ValueKind == JsonValueKind.String ? roleEl.GetString() : null;
                    lastRole = role;
                    var text = m.TryGetProperty("content", out var content) ? OpenAiContentText(content) : "";
                    r.PromptWords += TextTools.CountWords(text);
                    if (role == "user")
                    {
                        r.LastUserText = text;
                    }
                }
                r.EndsWithToolResult = lastRole is "tool" or "function";
            }
        });

    public static ChatRequest ParseAnthropic(byte[] body) => Parse(body, static (r, root) =>
        {
            r.ReadModel(root);
            r.HasMaxTokens = root.TryGetProperty("max_tokens", out var mt) && mt.ValueKind == JsonValueKind.Number;
            r.Stream = IsTrue(root, "stream");
            if (root.TryGetProperty("system", out var system))
            {
                r.PromptWords += TextTools.CountWords(AnthropicBlocksText(system, includeToolResults: true, out _));
            }
            r.ReadBlockMessages(root, AnthropicBlocksText, contentMustBeArray: false);
        });

    public static ChatRequest ParseBedrock(byte[] body) => Parse(body, static (r, root) =>
        {
            if (root.TryGetProperty("system", out var system) && system.ValueKind == JsonValueKind.Array)
            {
                r.PromptWords += TextTools.CountWords(BedrockBlocksText(system, includeToolResults: true, out _));
            }
            r.ReadBlockMessages(root, BedrockBlocksText, contentMustBeArray: true);
        });

    private delegate string BlocksText(JsonElement content, bool includeToolResults, out bool hasToolResult);

    /// <summary>Parses the body as a JSON object and lets <paramref name="read"/> take what its format carries.</summary>
    private static ChatRequest Parse(byte[] body, Action<ChatRequest, JsonElement> read)
    {
        var r = new ChatRequest();
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return r;
            }
            r.ValidJson = true;
            read(r, doc.RootElement);
        }
        catch (JsonException)
        {
            r.ValidJson = false;
        }
        return r;
    }

    private void ReadModel(JsonElement root)
    {
        if (root.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String)
        {
            Model = model.GetString();
            HasModel = !string.IsNullOrEmpty(Model);
        }
    }

    /// <summary>
    /// Anthropic and Bedrock messages: content blocks per message. A user message holding only tool results is
    /// not "the last user message" (so a tool round trip keeps its directive and echo).
    /// </summary>
    private void ReadBlockMessages(JsonElement root, BlocksText blocksText, bool contentMustBeArray)
    {
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return;
        }
        HasMessages = true;
        var lastHasToolResult = false;
        foreach (var m in messages.EnumerateArray())
        {
            if (m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("content", out var content)
                || (contentMustBeArray && content.ValueKind != JsonValueKind.Array))
            {
                lastHasToolResult = false;
                continue;
            }
            PromptWords += TextTools.CountWords(blocksText(content, includeToolResults: true, out _));
            var isUser = m.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && role.ValueEquals("user");
            var own = blocksText(content, includeToolResults: false, out var hasToolResult);
            lastHasToolResult = isUser && hasToolResult;
            if (isUser && (own.Length > 0 || !hasToolResult))
            {
                LastUserText = own;
            }
        }
        EndsWithToolResult = lastHasToolResult;
    }

    private static bool IsTrue(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    /// <summary>OpenAI content: a string, or an array of parts whose <c>text</c> parts are joined with a space.</summary>
    private static string OpenAiContentText(JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString() ?? "";
            case JsonValueKind.Array:
                StringBuilder? sb = null;
                string? single = null;
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.String)
                    {
                        Append(ref sb, ref single, part.GetString());
                    }
                    else if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                    {
                        Append(ref sb, ref single, t.GetString());
                    }
                }
                return sb?.ToString() ?? single ?? "";
            default:
                return "";
        }
    }

    /// <summary>Anthropic content / system: a string or a list of blocks; text blocks (and optionally tool_result contents).</summary>
    private static string AnthropicBlocksText(JsonElement content, bool includeToolResults, out bool hasToolResult)
    {
        hasToolResult = false;
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString() ?? "";
        }
        if (content.ValueKind != JsonValueKind.Array)
        {
            return "";
        }
        StringBuilder? sb = null;
        string? single = null;
        foreach (var block in content.EnumerateArray())
        {
            if (block.ValueKind != JsonValueKind.Object || !block.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                continue;
            }
            if (type.ValueEquals("text") && block.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            {
                Append(ref sb, ref single, t.GetString());
            }
            else if (type.ValueEquals("tool_result"))
            {
                hasToolResult = true;
                if (includeToolResults && block.TryGetProperty("content", out var inner))
                {
                    Append(ref sb, ref single, AnthropicBlocksText(inner, includeToolResults: true, out _));
                }
            }
        }
        return sb?.ToString() ?? single ?? "";
    }

    /// <summary>Bedrock Converse content blocks: <c>{"text"}</c> blocks (and optionally toolResult contents).</summary>
    private static string BedrockBlocksText(JsonElement content, bool includeToolResults, out bool hasToolResult)
    {
        hasToolResult = false;
        StringBuilder? sb = null;
        string? single = null;
        foreach (var block in content.EnumerateArray())
        {
            if (block.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            if (block.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            {
                Append(ref sb, ref single, t.GetString());
            }
            else if (block.TryGetProperty("toolResult", out var tr))
            {
                hasToolResult = true;
                if (includeToolResults && tr.ValueKind == JsonValueKind.Object && tr.TryGetProperty("content", out var inner) && inner.ValueKind == JsonValueKind.Array)
                {
                    Append(ref sb, ref single, BedrockBlocksText(inner, includeToolResults: true, out _));
                }
            }
        }
        return sb?.ToString() ?? single ?? "";
    }

    private static void Append(ref StringBuilder? sb, ref string? single, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }
        if (single is null && sb is null)
        {
            single = text;
            return;
        }
        if (sb is null)
        {
            sb = new StringBuilder(single);
            single = null;
        }
        sb.Append(' ').Append(text);
    }
}
