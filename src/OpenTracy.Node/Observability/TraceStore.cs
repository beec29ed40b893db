using System.Globalization;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace OpenTracy.Node.Observability;

/// <summary>
/// Keeps one <see cref="TraceRecord"/> per request in an embedded SQLite database, off the request
/// path: <see cref="TryAdd"/> only writes to a bounded channel (full → the record is dropped and
/// counted); a background loop drains it in batches, one transaction each, and trims the table
/// to <c>max-records</c>. An empty path keeps the database in memory.
/// <para>
/// Feedback (<see cref="SetCorrectAsync"/>) labels a stored record. Because records are written late, the store
/// knows the ids of requests still in flight (<see cref="Open"/>) or queued; feedback for one of those waits
/// (asynchronously, up to <c>feedback-wait</c>) for the writer's next batches instead of answering "unknown".
/// </para>
/// </summary>
public sealed class TraceStore : BackgroundService
{
    private const string Columns = "request_id, ts, requested_model, model, provider, stream, status, attempts, prompt_tokens, completion_tokens, cost_usd, latency_ms, ttft_ms, error, error_code, prompt, correct";

    /// <summary>Columns added after the first release: added to an existing database when missing.</summary>
    private static readonly (string Name, string Type)[] AddedColumns = [("prompt", "TEXT"), ("correct", "INTEGER")];

    private readonly TraceStoreSettings _settings;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<TraceStore> _log;
    private readonly Channel<TraceRecord> _queue;
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _dropped;
    private long _writtenSinceTrim;

    /// <summary>Ids of requests started but not yet written (in flight or queued); values unused.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _pending = new(StringComparer.Ordinal);

    /// <summary>Completed after each batch the writer finishes (then replaced).</summary>
    private TaskCompletionSource _batchWritten = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TraceStore(TraceStoreSettings settings, GatewayMetrics metrics, ILogger<TraceStore> log)
    {
        _settings = settings;
        _metrics = metrics;
        _log = log;
        _queue = Channel.CreateBounded<TraceRecord>(new BoundedChannelOptions(settings.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: full → false → dropped and counted
        });
        var source = string.IsNullOrEmpty(settings.Path)
            ? $"file:traces-{Guid.NewGuid():N}?mode=memory&cache=shared"
            : Path.GetFullPath(settings.Path);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL;");
        // WAL with synchronous=NORMAL: a commit is safe against a process crash and syncs to disk only at
        // checkpoints, not on every batch (an fsync per batch stalled the writer for milliseconds each time).
        Execute("PRAGMA synchronous=NORMAL;");
        Execute("""
            CREATE TABLE IF NOT EXISTS traces (
              id INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT NOT NULL, ts TEXT NOT NULL,
              requested_model TEXT, model TEXT, provider TEXT, stream INTEGER NOT NULL, status INTEGER NOT NULL,
              attempts INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
              cost_usd REAL NOT NULL, latency_ms REAL NOT NULL, ttft_ms REAL, error TEXT, error_code TEXT,
              prompt TEXT, correct INTEGER);
            """);
        Migrate();
        Execute("CREATE INDEX IF NOT EXISTS traces_request_id ON traces (request_id);");
    }

    /// <summary>The trace store's settings (prompt capture, limits).</summary>
    public TraceStoreSettings Settings => _settings;

    /// <summary>Adds the columns a database made by an older node lacks (existing rows get NULL).</summary>
    private void Migrate()
    {
        var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (var info = _connection.CreateCommand())
        {
            info.CommandText = "PRAGMA table_info(traces);";
            using var reader = info.ExecuteReader();
            while (reader.Read()) existing.Add(reader.GetString(1));
        }
        foreach (var (name, type) in AddedColumns)
        {
            if (existing.Contains(name)) continue;
            Execute($"ALTER TABLE traces ADD COLUMN {name} {type};");
            _log.LogInformation("trace store: added column {Column} to {Path}", name, _connection.DataSource);
        }
    }

    /// <summary>Records dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues a record; never blocks. False when the queue is full (the record is dropped and counted).</summary>
    public bool TryAdd(TraceRecord record)
    {
        _pending.TryAdd(record.RequestId, 0); // before the write: the writer removes it once the record is committed
        if (_queue.Writer.TryWrite(record)) return true;
        _pending.TryRemove(record.RequestId, out _);
        Interlocked.Increment(ref _dropped);
        _metrics.TraceDropped();
        return false;
    }

    /// <summary>Marks a request as started: feedback for it waits for its record instead of answering "unknown".</summary>
    public void Open(string requestId) => _pending.TryAdd(requestId, 0);

    /// <summary>
    /// Sets <c>correct</c> on the record of <paramref name="requestId"/>. False when no such record exists after
    /// waiting up to <c>feedback-wait</c> for a request still in flight or queued.
    /// </summary>
    public async Task<bool> SetCorrectAsync(string requestId, bool correct, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _settings.FeedbackWait;
        while (true)
        {
            // Read the signal and the pending state before the update: the writer removes an id only after its
            // batch is committed, so "not pending" here means the update below sees the row if it exists.
            var batchWritten = Volatile.Read(ref _batchWritten).Task;
            var pending = _pending.ContainsKey(requestId);
            if (await UpdateCorrectAsync(requestId, correct, cancellationToken)) return true;
            var remaining = deadline - DateTime.UtcNow;
            if (!pending || remaining <= TimeSpan.Zero) return false;
            try
            {
                await batchWritten.WaitAsync(remaining, cancellationToken);
            }
            catch (TimeoutException)
            {
                return await UpdateCorrectAsync(requestId, correct, cancellationToken);
            }
        }
    }

    private async Task<bool> UpdateCorrectAsync(string requestId, bool correct, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "UPDATE traces SET correct = $correct WHERE request_id = $id";
            command.Parameters.AddWithValue("$correct", correct ? 1 : 0);
            command.Parameters.AddWithValue("$id", requestId);
            return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The newest <paramref name="limit"/> records, newest first.</summary>
    public async Task<IReadOnlyList<TraceRecord>> LatestAsync(int limit, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM traces ORDER BY id DESC LIMIT $limit";
            command.Parameters.AddWithValue("$limit", limit);
            var list = new List<TraceRecord>();
            using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                list.Add(new TraceRecord(
                    reader.GetString(0),
                    DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture),
                    NullableString(reader, 2), NullableString(reader, 3), NullableString(reader, 4),
                    reader.GetInt64(5) != 0, reader.GetInt32(6), reader.GetInt32(7), reader.GetInt32(8), reader.GetInt32(9),
                    reader.GetDouble(10), reader.GetDouble(11), reader.IsDBNull(12) ? null : reader.GetDouble(12),
                    NullableString(reader, 13), NullableString(reader, 14),
                    NullableString(reader, 15), reader.IsDBNull(16) ? null : reader.GetInt64(16) != 0));
            }
            return list;
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<TraceRecord>(_settings.BatchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                // Under steady traffic, let records gather for one flush interval: one transaction per interval
                // instead of one per request. A full batch means the queue is behind, so write on at once.
                if (await WriteQueuedAsync(batch, stoppingToken) < _settings.BatchSize)
                    await Task.Delay(_settings.FlushInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the records still queued (and a batch read but not yet written) are written before the
            // store closes, so a graceful stop loses none of them.
            while (await WriteQueuedAsync(batch, CancellationToken.None) > 0)
            {
            }
        }
    }

    /// <summary>
    /// Tops <paramref name="batch"/> up from the queue and writes it in one transaction; then its ids are no longer
    /// pending and feedback waiting for a batch is woken. Returns how many records were written (0: queue empty).
    /// </summary>
    private async Task<int> WriteQueuedAsync(List<TraceRecord> batch, CancellationToken cancellationToken)
    {
        while (batch.Count < _settings.BatchSize && _queue.Reader.TryRead(out var record)) batch.Add(record);
        if (batch.Count == 0) return 0;
        await WriteAsync(batch, cancellationToken);
        foreach (var record in batch) _pending.TryRemove(record.RequestId, out _);
        var written = batch.Count;
        batch.Clear();
        Interlocked.Exchange(ref _batchWritten, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return written;
    }

    public override void Dispose()
    {
        base.Dispose();
        _connection.Dispose();
        _gate.Dispose();
    }

    private async Task WriteAsync(List<TraceRecord> batch, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"INSERT INTO traces ({Columns}) VALUES ($a,$b,$c,$d,$e,$f,$g,$h,$i,$j,$k,$l,$m,$n,$o,$p,$q)";
            var p = "abcdefghijklmnopq".Select(c => command.Parameters.Add(new SqliteParameter("$" + c, null))).ToArray();
            foreach (var r in batch)
            {
                object?[] values = [r.RequestId, r.Timestamp.ToString("O", CultureInfo.InvariantCulture), r.RequestedModel, r.Model, r.Provider,
                    r.Stream ? 1 : 0, r.Status, r.Attempts, r.PromptTokens, r.CompletionTokens, r.CostUsd, r.LatencyMs, r.TtftMs, r.Error, r.ErrorCode,
                    r.Prompt, r.Correct is { } c ? (object)(c ? 1 : 0) : null];
                for (var i = 0; i < p.Length; i++) p[i].Value = values[i] ?? DBNull.Value;
                command.ExecuteNonQuery();
            }
            _writtenSinceTrim += batch.Count;
            if (_writtenSinceTrim >= _settings.BatchSize)
            {
                _writtenSinceTrim = 0;
                using var trim = _connection.CreateCommand();
                trim.Transaction = transaction;
                trim.CommandText = "DELETE FROM traces WHERE id <= (SELECT MAX(id) FROM traces) - $keep";
                trim.Parameters.AddWithValue("$keep", _settings.MaxRecords);
                trim.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            _log.LogWarning("trace store: {Count} records not written: {Message}", batch.Count, ex.Message);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string? NullableString(SqliteDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}
