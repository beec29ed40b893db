using System.Text.Json;
using OpenTracy.Providers.Http;
using OpenTracy.Wire;
using static OpenTracy.Providers.Anthropic.AnthropicResponseTranslator;

namespace OpenTracy.Providers.Anthropic;

/// <summary>
/// Turns Anthropic's streaming events into OpenAI <c>chat.completion.chunk</c>s, one event at a time.
/// Stateful (message id, prompt tokens, tool-call numbering): one instance per stream.
/// <list type="bullet">
/// <item><c>message_start</c> → a chunk with <c>delta.role = "assistant"</c>; its <c>input_tokens</c> are remembered.</item>
/// <item><c>content_block_start</c> of a <c>tool_use</c> → a tool-call chunk; tool calls are numbered 0, 1, 2, ...
/// in the order they start, and their <c>input_json_delta</c>s carry the same index.</item>
/// <item><c>text_delta</c> → <c>delta.content</c>.</item>
/// <item><c>message_delta</c> → a chunk with the mapped <c>finish_reason</c> and the full usage.</item>
/// <item><c>message_stop</c> → <see cref="Completed"/>; <c>ping</c> and unknown events are ignored;
/// <c>error</c> → <see cref="ProviderException"/> with the status Anthropic uses for that error type.</item>
/// </list>
/// </summary>
internal sealed class AnthropicStreamTranslator(string model, long created, string provider)
{
    private readonly Dictionary<int, int> _toolIndexByBlock = [];
    private string _id = string.Empty;
    private int _inputTokens;

    /// <summary>True once <c>message_stop</c> arrived; nothing follows it.</summary>
    public bool Completed { get; private set; }

    /// <summary>The chunk for one event, or null when the event carries nothing for the client.</summary>
    public StreamChunk? Translate(SseEvent sse)
    {
        if (Completed || string.IsNullOrWhiteSpace(sse.Data)) return null;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(sse.Data);
        }
        catch (JsonException ex)
        {
            throw Invalid(provider, $"stream event '{sse.Event}' is not JSON ({ex.Message})");
        }
        using (doc)
        {
            var data = doc.RootElement;
            if (data.ValueKind != JsonValueKind.Object) throw Invalid(provider, $"stream event '{sse.Event}' is not a JSON object");
            return (StringOf(data, "type") ?? sse.Event) switch
            {
                "message_start" => MessageStart(data),
                "content_block_start" => BlockStart(data),
                "content_block_delta" => BlockDelta(data),
                "message_delta" => MessageDelta(data),
                "message_stop" => Stop(),
                "error" => throw StreamError(data, sse.Data),
                _ => null, // ping, content_block_stop, and event types added later
            };
        }
    }

    private StreamChunk MessageStart(JsonElement data)
    {
        if (!data.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
            throw Invalid(provider, "message_start without a message");
        _id = StringOf(message, "id") ?? string.Empty;
        if (message.TryGetProperty("usage", out var usage)) _inputTokens = IntOf(usage, "input_tokens");
        return Chunk(new ChunkDelta { Role = "assistant" });
    }

    private StreamChunk? BlockStart(JsonElement data)
    {
        var blockIndex = BlockIndex(data);
        if (!data.TryGetProperty("content_block", out var block)) throw Invalid(provider, "content_block_start without a content_block");
        switch (StringOf(block, "type"))
        {
            case "tool_use":
                var toolIndex = _toolIndexByBlock.Count;
                _toolIndexByBlock[blockIndex] = toolIndex;
                return Chunk(new ChunkDelta
                {
                    ToolCalls =
                    [
                        new ToolCall
                        {
                            Index = toolIndex,
                            Id = StringOf(block, "id"),
                            Type = "function",
                            Function = new FunctionCall { Name = StringOf(block, "name"), Arguments = string.Empty },
                        },
                    ],
                });
            case "text" when StringOf(block, "text") is { Length: > 0 } text:
                return Chunk(new ChunkDelta { Content = text });
            default:
                return null;
        }
    }

    private StreamChunk? BlockDelta(JsonElement data)
    {
        var blockIndex = BlockIndex(data);
        if (!data.TryGetProperty("delta", out var delta)) throw Invalid(provider, "content_block_delta without a delta");
        switch (StringOf(delta, "type"))
        {
            case "text_delta":
                return StringOf(delta, "text") is { Length: > 0 } text ? Chunk(new ChunkDelta { Content = text }) : null;
            case "input_json_delta":
                if (!_toolIndexByBlock.TryGetValue(blockIndex, out var toolIndex))
                    throw Invalid(provider, $"input_json_delta for content block {blockIndex}, which is not a tool_use block");
                var partial = StringOf(delta, "partial_json");
                if (string.IsNullOrEmpty(partial)) return null;
                return Chunk(new ChunkDelta
                {
                    ToolCalls = [new ToolCall { Index = toolIndex, Function = new FunctionCall { Arguments = partial } }],
                });
            default:
                return null; // thinking_delta, signature_delta, citations_delta have no chat.completion counterpart
        }
    }

    private StreamChunk MessageDelta(JsonElement data)
    {
        string? stopReason = null;
        if (data.TryGetProperty("delta", out var delta)) stopReason = StringOf(delta, "stop_reason");
        Usage? usage = null;
        if (data.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object)
        {
            // Newer API versions repeat input_tokens here; message_start's count is the fallback.
            var prompt = OptionalIntOf(u, "input_tokens") is int p && p > 0 ? p : _inputTokens;
            usage = Usage.Of(prompt, IntOf(u, "output_tokens"));
        }
        return Chunk(new ChunkDelta(), MapStopReason(stopReason)) with { Usage = usage ?? Usage.Of(_inputTokens, 0) };
    }

    private StreamChunk? Stop()
    {
        Completed = true;
        return null;
    }

    private ProviderException StreamError(JsonElement data, string raw)
    {
        var type = data.TryGetProperty("error", out var error) ? StringOf(error, "type") : null;
        return new ProviderException(provider, ProviderFailureKind.HttpStatus, AnthropicErrors.StatusFor(type), raw);
    }

    private int BlockIndex(JsonElement data)
        => OptionalIntOf(data, "index") ?? throw Invalid(provider, "content block event without an index");

    private StreamChunk Chunk(ChunkDelta delta, string? finishReason = null) => new()
    {
        Id = _id,
        Object = "chat.completion.chunk",
        Created = created,
        Model = model,
        Choices = [new ChunkChoice { Index = 0, Delta = delta, FinishReason = finishReason }],
    };
}
