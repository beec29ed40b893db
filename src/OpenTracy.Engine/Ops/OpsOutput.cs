using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using OpenTracy.Ops.Protocol;

namespace OpenTracy.Engine.Ops;

/// <summary>
/// Where a command writes its answer: lines for people, or (with <c>--json</c>) one JSON document per
/// result. <see cref="End"/> writes the final marker; a streamed command (<c>cluster tail</c>) writes
/// until <see cref="Cancelled"/> fires (the client cancelled or went away).
/// </summary>
public sealed class OpsOutput(ChannelWriter<OpsResponse> writer, bool json, CancellationToken cancelled)
{
    private const string Separator = " | ";
    private int _ended;

    public bool Json { get; } = json;

    public CancellationToken Cancelled { get; } = cancelled;

    public bool HasEnded => Volatile.Read(ref _ended) == 1;

    public void Line(string text) => writer.TryWrite(OpsResponse.Line(text));

    public void Error(string text) => writer.TryWrite(OpsResponse.Error(text));

    /// <summary>A JSON document (only meaningful in JSON mode).</summary>
    public void Document(JsonNode node) => Line(node.ToJsonString(JsonOptions));

    /// <summary>A one-line message; in JSON mode <c>{"message": ...}</c> plus <paramref name="fields"/>.</summary>
    public void Message(string text, params (string Name, JsonNode? Value)[] fields)
    {
        if (!Json)
        {
            Line(text);
            return;
        }
        var obj = new JsonObject { ["message"] = text };
        foreach (var (name, value) in fields) obj[name] = value;
        Document(obj);
    }

    /// <summary>
    /// Rows as an aligned table (columns separated by <c> | </c>, like pbm), then <paramref name="footer"/>;
    /// in JSON mode one array of objects keyed by <paramref name="columns"/>.
    /// </summary>
    public void Table(IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows, string? footer = null, bool header = false)
    {
        var list = rows.ToList();
        if (Json)
        {
            var array = new JsonArray();
            foreach (var row in list)
            {
                var obj = new JsonObject();
                for (var i = 0; i < columns.Count; i++) obj[columns[i]] = i < row.Count ? row[i] : null;
                array.Add(obj);
            }
            Document(array);
            return;
        }
        foreach (var line in TextTable.Render(columns, list, header, Separator)) Line(line);
        if (footer is not null) Line(footer);
    }

    public void End(bool ok = true)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 1) return;
        writer.TryWrite(OpsResponse.Done(ok));
    }

    public void Fail(string error)
    {
        Error(error);
        End(false);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false };
}

/// <summary>Aligned text tables: each column as wide as its widest cell; the last column is not padded.</summary>
public static class TextTable
{
    public static IEnumerable<string> Render(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows, bool header, string separator)
    {
        var all = header ? new List<IReadOnlyList<string>> { columns }.Concat(rows).ToList() : rows.ToList();
        if (all.Count == 0) yield break;
        var count = all.Max(r => r.Count);
        var widths = new int[count];
        foreach (var row in all)
            for (var i = 0; i < row.Count; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        foreach (var row in all)
        {
            var cells = new string[row.Count];
            for (var i = 0; i < row.Count; i++) cells[i] = i == row.Count - 1 ? row[i] : row[i].PadRight(widths[i]);
            yield return string.Join(separator, cells).TrimEnd();
        }
    }
}
