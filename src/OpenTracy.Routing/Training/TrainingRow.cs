using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenTracy.Routing.Training;

/// <summary>
/// One labelled observation: <paramref name="Model"/> answered <paramref name="Prompt"/> correctly
/// (<paramref name="Correct"/> = 1), wrongly (0) or partly (a score in between).
/// </summary>
public readonly record struct TrainingRow(string Prompt, string Model, double Correct)
{
    public TrainingRow(string prompt, string model, bool correct) : this(prompt, model, correct ? 1.0 : 0.0)
    {
    }
}

/// <summary>The JSON shape of one JSONL line: <c>{"prompt": "...", "model": "...", "correct": true}</c>.</summary>
public sealed record TrainingRowDocument
{
    [JsonPropertyName("prompt")] public string? Prompt { get; init; }
    [JsonPropertyName("model")] public string? Model { get; init; }

    /// <summary>true/false, or a number between 0 and 1.</summary>
    [JsonPropertyName("correct")] public JsonElement? Correct { get; init; }
}

/// <summary>Reads training rows from JSONL (one object per line; blank lines are skipped).</summary>
public static class TrainingRowReader
{
    public static IEnumerable<TrainingRow> ReadJsonl(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ReadLines(File.ReadLines(path, Encoding.UTF8), path);
    }

    public static IEnumerable<TrainingRow> ReadJsonl(TextReader reader, string sourceName = "input")
    {
        ArgumentNullException.ThrowIfNull(reader);
        return ReadLines(Lines(reader), sourceName);
    }

    private static IEnumerable<string> Lines(TextReader reader)
    {
        while (reader.ReadLine() is { } line) yield return line;
    }

    private static IEnumerable<TrainingRow> ReadLines(IEnumerable<string> lines, string source)
    {
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            yield return Parse(line, source, number);
        }
    }

    private static TrainingRow Parse(string line, string source, int number)
    {
        TrainingRowDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize(line, RoutingJson.Default.TrainingRowDocument);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source}:{number}: invalid JSON: {ex.Message}", ex);
        }
        if (doc is null) throw new InvalidDataException($"{source}:{number}: expected an object");
        if (doc.Prompt is null) throw new InvalidDataException($"{source}:{number}: 'prompt' is missing");
        if (string.IsNullOrWhiteSpace(doc.Model)) throw new InvalidDataException($"{source}:{number}: 'model' is missing");
        return new TrainingRow(doc.Prompt, doc.Model, ParseCorrect(doc.Correct, source, number));
    }

    private static double ParseCorrect(JsonElement? value, string source, int number)
    {
        switch (value?.ValueKind)
        {
            case JsonValueKind.True:
                return 1.0;
            case JsonValueKind.False:
                return 0.0;
            case JsonValueKind.Number when value.Value.GetDouble() is >= 0 and <= 1 and var score:
                return score;
            default:
                throw new InvalidDataException($"{source}:{number}: 'correct' must be true, false or a number from 0 to 1");
        }
    }
}
