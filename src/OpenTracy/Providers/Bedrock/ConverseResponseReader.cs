using System.Text;
using System.Text.Json;
using OpenTracy.Wire;

namespace OpenTracy.Providers.Bedrock;

/// <summary>Translates a Bedrock Converse response body into an OpenAI <c>chat.completion</c>.</summary>
public static class ConverseResponseReader
{
    public const string IdPrefix = "bedrock-";

    /// <summary>Converse <c>stopReason</c> → OpenAI <c>finish_reason</c>.</summary>
    public static string MapStopReason(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "content_filtered" or "guardrail_intervened" => "content_filter",
        _ => "stop", // end_turn, stop_sequence, and anything new
    };

    /// <summary>A fresh response id, <c>bedrock-&lt;32 hex digits&gt;</c>.</summary>
    public static string NewId() => IdPrefix + Guid.NewGuid().ToString("N");

    /// <summary>
    /// Parses <paramref name="body"/>; text blocks are concatenated, <c>toolUse</c> blocks become tool calls.
    /// Throws <see cref="ProviderFailureKind.InvalidResponse"/> when the body is not a Converse response.
    /// </summary>
    public static ModelResponse Read(ReadOnlySpan<byte> body, string model, long created, string provider = "bedrock")
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("output", out var output) || output.ValueKind != JsonValueKind.Object
                || !output.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
                throw Invalid(provider, "Converse response has no output.message");

            var text = new StringBuilder();
            var hasText = false;
            var calls = new List<ToolCall>();
            if (message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
            {
                foreach (var block in content.EnumerateArray())
                {
                    if (block.ValueKind != JsonValueKind.Object) continue;
                    if (block.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                    {
                        text.Append(t.GetString());
                        hasText = true;
                    }
                    else if (block.TryGetProperty("toolUse", out var use) && use.ValueKind == JsonValueKind.Object)
                    {
                        calls.Add(ToolCallOf(use));
                    }
                }
            }

            var stopReason = root.TryGetProperty("stopReason", out var sr) && sr.ValueKind == JsonValueKind.String ? sr.GetString() : null;
            var assistant = new ChatMessage
            {
                Role = "assistant",
                Content = hasText || calls.Count == 0 ? MessageContent.FromText(text.ToString()) : null,
                ToolCalls = calls.Count > 0 ? calls : null,
            };
            return new ModelResponse
            {
                Id = NewId(),
                Created = created,
                Model = model,
                Choices = [new Choice { Index = 0, Message = assistant, FinishReason = MapStopReason(stopReason) }],
                Usage = root.TryGetProperty("usage", out var usage) ? UsageOf(usage) : null,
            };
        }
        catch (JsonException ex)
        {
            throw new ProviderException(provider, ProviderFailureKind.InvalidResponse, null, $"Converse response is not valid JSON: {ex.Message}", null, ex);
        }
    }

    /// <summary>Converse usage (<c>inputTokens</c>, <c>outputTokens</c>, <c>totalTokens</c>) → OpenAI usage; null when absent.</summary>
    public static Usage? UsageOf(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object) return null;
        var input = IntOf(usage, "inputTokens");
        var output = IntOf(usage, "outputTokens");
        var total = usage.TryGetProperty("totalTokens", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetInt32(out var tv) ? tv : input + output;
        return new Usage { PromptTokens = input, CompletionTokens = output, TotalTokens = total };
    }

    private static ToolCall ToolCallOf(JsonElement use) => new()
    {
        Id = StringOf(use, "toolUseId"),
        Type = "function",
        Function = new FunctionCall
        {
            Name = StringOf(use, "name"),
            Arguments = use.TryGetProperty("input", out var input) ? input.GetRawText() : "{}",
        },
    };

    private static string? StringOf(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int IntOf(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : 0;

    private static ProviderException Invalid(string provider, string message)
        => new(provider, ProviderFailureKind.InvalidResponse, null, message);
}
