using System.Text.Json.Nodes;

namespace OpenTracy.Node.Tests.Support;

/// <summary>Reads an SSE response body as the raw <c>data:</c> payloads, in order.</summary>
public static class Sse
{
    public static async IAsyncEnumerable<string> DataAsync(HttpResponseMessage response)
    {
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body);
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal)) yield return line["data: ".Length..];
        }
    }

    public static async Task<List<string>> AllDataAsync(HttpResponseMessage response)
    {
        var all = new List<string>();
        await foreach (var d in DataAsync(response)) all.Add(d);
        return all;
    }

    /// <summary>Concatenated delta content of every chunk event.</summary>
    public static string Content(IEnumerable<string> events)
        => string.Concat(events.Where(e => e != "[DONE]")
            .Select(e => JsonNode.Parse(e)!)
            .Where(n => n["choices"] is JsonArray { Count: > 0 })
            .Select(n => (string?)n["choices"]![0]!["delta"]!["content"] ?? ""));
}
