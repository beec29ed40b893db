using System.Text.Json;
using OpenTracy.Wire;

namespace OpenTracy.Providers.Bedrock;

/// <summary>
/// Turns ConverseStream events into OpenAI chunks, one stream at a time (not thread-safe):
/// <c>messageStart</c> → role chunk; <c>contentBlockDelta</c> text → content chunk; <c>contentBlockStart</c> toolUse →
/// tool-call header (each call its own index 0, 1, ...); toolUse input deltas → argument fragments for that index;
/// <c>messageStop</c> → finish reason remembered; <c>metadata</c> (after messageStop) → the final chunk with the
/// finish reason and usage. Exception events throw; a stream that ends before <c>messageStop</c> is a transport failure.
/// </summary>
public sealed class ConverseStreamMapper(string model, string id, long created, string provider = "bedrock")
{
    private readonly Dictionary<int, int> _toolIndexByBlock = [];
    private string? _finishReason;
    private Usage? _usage;
    private bool _sawMetadata;

    public string Id { get; } = id;

    /// <summary>True once the final chunk has been produced.</summary>
    public bool IsFinished { get; private set; }

    /// <summary>The chunk this message produces, or null (bookkeeping events, anything after the final chunk).</summary>
    public StreamChunk? Map(EventStreamMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var messageType = message.MessageType;
        if (messageType is "exception" or "error") throw BedrockErrors.FromStreamMessage(message, provider);
        if (IsFinished) return null;

        switch (message.EventType)
        {
            case "messageStart":
            {
                using var doc = Parse(message);
                var role = doc.RootElement.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
                return Chunk(new ChunkDelta { Role = role ?? "assistant" });
            }
            case "contentBlockStart":
            {
                using var doc = Parse(message);
                var root = doc.RootElement;
                if (!root.TryGetProperty("start", out var start) || start.ValueKind != JsonValueKind.Object
                    || !start.TryGetProperty("toolUse", out var use) || use.ValueKind != JsonValueKind.Object)
                    return null;
                var index = ToolIndexFor(BlockIndex(root));
                return ToolChunk(new ToolCall
                {
                    Index = index,
                    Id = StringOf(use, "toolUseId"),
                    Type = "function",
                    Function = new FunctionCall { Name = StringOf(use, "name"), Arguments = string.Empty },
                });
            }
            case "contentBlockDelta":
            {
                using var doc = Parse(message);
                var root = doc.RootElement;
                if (!root.TryGetProperty("delta", out var delta) || delta.ValueKind != JsonValueKind.Object) return null;
                if (StringOf(delta, "text") is { Length: > 0 } text) return Chunk(new ChunkDelta { Content = text });
                if (delta.TryGetProperty("toolUse", out var use) && use.ValueKind == JsonValueKind.Object
                    && StringOf(use, "input") is { Length: > 0 } fragment)
                    return ToolChunk(new ToolCall { Index = ToolIndexFor(BlockIndex(root)), Function = new FunctionCall { Arguments = fragment } });
                return null;
            }
            case "messageStop":
            {
                using var doc = Parse(message);
                _finishReason = ConverseResponseReader.MapStopReason(StringOf(doc.RootElement, "stopReason"));
                return _sawMetadata ? Final() : null;
            }
            case "metadata":
            {
                using var doc = Parse(message);
                _usage = doc.RootElement.TryGetProperty("usage", out var usage) ? ConverseResponseReader.UsageOf(usage) : null;
                _sawMetadata = true;
                return _finishReason is not null ? Final() : null;
            }
            default:
                return null; // contentBlockStop and event types this mapper does not need
        }
    }

    /// <summary>Called when the body ends: the final chunk if it is still owed, or a transport failure when <c>messageStop</c> never came.</summary>
    public StreamChunk? Complete()
    {
        if (IsFinished) return null;
        if (_finishReason is null)
            throw new ProviderException(provider, ProviderFailureKind.Transport, null, "stream ended before messageStop");
        return Final();
    }

    private StreamChunk Final()
    {
        IsFinished = true;
        return new StreamChunk
        {
            Id = Id,
            Created = created,
            Model = model,
            Choices = [new ChunkChoice { Index = 0, Delta = new ChunkDelta(), FinishReason = _finishReason }],
            Usage = _usage,
        };
    }

    private int ToolIndexFor(int blockIndex)
    {
        if (!_toolIndexByBlock.TryGetValue(blockIndex, out var index))
        {
            index = _toolIndexByBlock.Count;
            _toolIndexByBlock[blockIndex] = index;
        }
        return index;
    }

    private StreamChunk ToolChunk(ToolCall call) => Chunk(new ChunkDelta { ToolCalls = [call] });

    private StreamChunk Chunk(ChunkDelta delta) => new()
    {
        Id = Id,
        Created = created,
        Model = model,
        Choices = [new ChunkChoice { Index = 0, Delta = delta }],
    };

    private JsonDocument Parse(EventStreamMessage message)
    {
        try
        {
            return JsonDocument.Parse(message.Payload.IsEmpty ? "{}"u8.ToArray() : message.Payload);
        }
        catch (JsonException ex)
        {
            throw new ProviderException(provider, ProviderFailureKind.InvalidResponse, null,
                $"{message.EventType} event payload is not valid JSON: {ex.Message}", null, ex);
        }
    }

    private static int BlockIndex(JsonElement root)
        => root.TryGetProperty("contentBlockIndex", out var i) && i.ValueKind == JsonValueKind.Number && i.TryGetInt32(out var n) ? n : 0;

    private static string? StringOf(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
