using Microsoft.Data.Sqlite;
using OpenTracy.Models;
using OpenTracy.Routing.Training;

namespace OpenTracy.Routing.Trainer;

/// <summary>
/// Reads training rows from a node's SQLite trace store (<c>opentracy.observability.traces.path</c>): the records
/// with a captured prompt (<c>traces.capture-prompts = on</c>) and a label (<c>POST /v1/feedback</c>) and a model.
/// The row's model is the deployment that answered, written <c>provider/model</c> (<see cref="ModelName"/>), a form
/// every node resolves to that provider when routing picks it.
/// </summary>
public static class TraceRowReader
{
    public const string HowToLabel =
        "enable prompt capture (opentracy.observability.traces.capture-prompts = on), send traffic, then label answers " +
        "with POST /v1/feedback {\"request_id\": \"<X-Request-Id>\", \"correct\": true|false}";

    private const string Query = """
        SELECT prompt, model, provider, correct FROM traces
        WHERE prompt IS NOT NULL AND correct IS NOT NULL AND model IS NOT NULL AND prompt <> ''
        ORDER BY id
        """;

    /// <summary>The labelled rows of the trace database at <paramref name="path"/>, oldest first (opened read-only).</summary>
    public static List<TrainingRow> Read(string path)
    {
        if (!File.Exists(path)) throw new IOException($"trace database not found: {path}");
        var source = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        using var connection = new SqliteConnection(source);
        try
        {
            connection.Open();
            var columns = Columns(connection);
            if (columns.Count == 0) throw new InvalidDataException($"{path} has no traces table: is it a node's trace database (opentracy.observability.traces.path)?");
            if (!columns.Contains("prompt") || !columns.Contains("correct"))
                throw new InvalidDataException($"{path} has no labelled rows (made by a node without prompt capture or feedback): {HowToLabel}");
            var rows = new List<TrainingRow>();
            using var command = connection.CreateCommand();
            command.CommandText = Query;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var provider = reader.IsDBNull(2) ? null : reader.GetString(2);
                rows.Add(new TrainingRow(reader.GetString(0), ModelName(reader.GetString(1), provider), reader.GetInt64(3) != 0));
            }
            if (rows.Count == 0) throw new InvalidDataException($"{path} has no labelled rows (prompt and correct both set): {HowToLabel}");
            return rows;
        }
        catch (SqliteException ex)
        {
            throw new InvalidDataException($"{path}: cannot read traces: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The profile id for a trace's model: <c>provider/model</c> when the trace's model string resolves to the
    /// provider that answered (so "gpt-4o" and "openai/gpt-4o" are one profile), else the model string as stored.
    /// </summary>
    public static string ModelName(string model, string? provider)
        => provider is not null && ModelRef.TryResolveForEngine(model, out var resolved) && resolved.Provider == provider
            ? $"{provider}/{resolved.Model}"
            : model;

    private static HashSet<string> Columns(SqliteConnection connection)
    {
        var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using var info = connection.CreateCommand();
        info.CommandText = "PRAGMA table_info(traces);";
        using var reader = info.ExecuteReader();
        while (reader.Read()) columns.Add(reader.GetString(1));
        return columns;
    }
}
