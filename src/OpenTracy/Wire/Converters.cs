using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenTracy.Wire;

internal sealed class MessageContentConverter : JsonConverter<MessageContent>
{
    public override MessageContent? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return MessageContent.FromText(reader.GetString()!);
            case JsonTokenType.StartArray:
                var parts = JsonSerializer.Deserialize(ref reader, WireJson.Default.IReadOnlyListContentPart)
                    ?? throw new JsonException("content parts must not be null");
                return MessageContent.FromParts(parts);
            case JsonTokenType.Null:
                return null;
            default:
                throw new JsonException("'content' must be a string, an array of content parts, or null");
        }
    }

    public override void Write(Utf8JsonWriter writer, MessageContent value, JsonSerializerOptions options)
    {
        if (value.Parts is null) writer.WriteStringValue(value.PlainText);
        else JsonSerializer.Serialize(writer, value.Parts, WireJson.Default.IReadOnlyListContentPart);
    }
}

internal sealed class StopSequencesConverter : JsonConverter<StopSequences>
{
    public override StopSequences? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return new StopSequences([reader.GetString()!], true);
            case JsonTokenType.StartArray:
                var list = new List<string>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.String) throw new JsonException("'stop' must be a string or an array of strings");
                    list.Add(reader.GetString()!);
                }
                return new StopSequences(list, false);
            case JsonTokenType.Null:
                return null;
            default:
                throw new JsonException("'stop' must be a string or an array of strings");
        }
    }

    public override void Write(Utf8JsonWriter writer, StopSequences value, JsonSerializerOptions options)
    {
        if (value.WasSingle && value.Values.Count == 1)
        {
            writer.WriteStringValue(value.Values[0]);
            return;
        }
        writer.WriteStartArray();
        foreach (var s in value.Values) writer.WriteStringValue(s);
        writer.WriteEndArray();
    }
}
