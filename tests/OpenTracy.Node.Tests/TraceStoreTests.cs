using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTracy.Node.Observability;

namespace OpenTracy.Node.Tests;

public sealed class TraceStoreTests
{
    private static TraceRecord Record(string id) => new(id, DateTimeOffset.UtcNow, "m", "openai/gpt-4o-mini", "openai", false, 200, 1, 3, 4, 0.001, 12.5, null, null, null);

    private static TraceStore Store(int capacity, int maxRecords = 100)
        => new(new TraceStoreSettings(true, "", capacity, 8, TimeSpan.FromMilliseconds(10), maxRecords, 1000, CapturePrompts: false, MaxPromptChars: 100, FeedbackWait: TimeSpan.FromMinutes(1)), new GatewayMetrics(10), NullLogger<TraceStore>.Instance);

    [Fact]
    public async Task A_full_queue_drops_and_counts_instead_of_blocking()
    {
        using var store = Store(capacity: 2); // not started: nothing drains the queue

        Assert.True(store.TryAdd(Record("a")));
        Assert.True(store.TryAdd(Record("b")));
        Assert.False(store.TryAdd(Record("c")));
        Assert.False(store.TryAdd(Record("d")));

        Assert.Equal(2, store.Dropped);
        Assert.Empty(await store.LatestAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task The_writer_stores_records_newest_first_and_keeps_at_most_max_records()
    {
        using var store = Store(capacity: 100, maxRecords: 5);
        await store.StartAsync(CancellationToken.None);
        for (var i = 0; i < 40; i++) Assert.True(store.TryAdd(Record($"r{i}")));

        IReadOnlyList<TraceRecord> latest = [];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            latest = await store.LatestAsync(100, CancellationToken.None);
            if (latest.Count > 0 && latest[0].RequestId == "r39") break;
            await Task.Delay(20);
        }
        await store.StopAsync(CancellationToken.None);

        Assert.Equal("r39", latest[0].RequestId);
        Assert.True(latest.Count <= 5 + 8, $"kept {latest.Count}"); // trimmed after each batch of 8
        Assert.Equal(["r39", "r38"], latest.Take(2).Select(r => r.RequestId));
        Assert.Equal(12.5, latest[0].LatencyMs);
        Assert.Null(latest[0].TtftMs);
    }

    [Fact]
    public async Task Records_still_queued_when_the_store_stops_are_written_not_lost()
    {
        // A flush interval far longer than the test: after its first batches the writer waits, so the records
        // added below are still queued when the store stops.
        using var store = new TraceStore(new TraceStoreSettings(true, "", 100, 8, TimeSpan.FromMinutes(10), 100, 1000,
            CapturePrompts: false, MaxPromptChars: 100, FeedbackWait: TimeSpan.FromMinutes(1)), new GatewayMetrics(10), NullLogger<TraceStore>.Instance);
        await store.StartAsync(CancellationToken.None);
        Assert.True(store.TryAdd(Record("first")));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && (await store.LatestAsync(10, CancellationToken.None)).Count == 0) await Task.Delay(20);
        for (var i = 0; i < 20; i++) Assert.True(store.TryAdd(Record($"queued{i}")));

        await store.StopAsync(CancellationToken.None);

        var stored = (await store.LatestAsync(100, CancellationToken.None)).Select(r => r.RequestId).ToHashSet();
        Assert.Equal(21, stored.Count);
        Assert.Contains("first", stored);
        Assert.All(Enumerable.Range(0, 20), i => Assert.Contains($"queued{i}", stored));
    }

    [Fact]
    public async Task A_database_of_an_older_node_gains_the_prompt_and_correct_columns_and_keeps_its_rows()
    {
        var dir = Directory.CreateTempSubdirectory("opentracy-migrate-").FullName;
        try
        {
            var path = Path.Combine(dir, "old.db");
            await using (var old = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                await old.OpenAsync();
                await using var create = old.CreateCommand();
                create.CommandText = """
                    CREATE TABLE traces (
                      id INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT NOT NULL, ts TEXT NOT NULL,
                      requested_model TEXT, model TEXT, provider TEXT, stream INTEGER NOT NULL, status INTEGER NOT NULL,
                      attempts INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
                      cost_usd REAL NOT NULL, latency_ms REAL NOT NULL, ttft_ms REAL, error TEXT, error_code TEXT);
                    INSERT INTO traces (request_id, ts, model, provider, stream, status, attempts, prompt_tokens, completion_tokens, cost_usd, latency_ms)
                    VALUES ('old-1', '2026-01-01T00:00:00.0000000+00:00', 'openai/gpt-4o', 'openai', 0, 200, 1, 1, 1, 0.0, 1.0);
                    """;
                await create.ExecuteNonQueryAsync();
            }

            var settings = new TraceStoreSettings(true, path, 100, 8, TimeSpan.FromMilliseconds(10), 100, 1000, CapturePrompts: true, MaxPromptChars: 100, FeedbackWait: TimeSpan.FromSeconds(5));
            using (var store = new TraceStore(settings, new GatewayMetrics(10), NullLogger<TraceStore>.Instance))
            {
                await store.StartAsync(CancellationToken.None);
                Assert.True(store.TryAdd(Record("new-1") with { Prompt = "a prompt" }));
                Assert.True(await store.SetCorrectAsync("old-1", true, CancellationToken.None));
                Assert.True(await store.SetCorrectAsync("new-1", false, CancellationToken.None)); // waits for the queued record
                Assert.False(await store.SetCorrectAsync("never-seen", true, CancellationToken.None));
                var latest = await store.LatestAsync(10, CancellationToken.None);
                await store.StopAsync(CancellationToken.None);

                Assert.Equal(["new-1", "old-1"], latest.Select(r => r.RequestId));
                Assert.Equal("a prompt", latest[0].Prompt);
                Assert.False(latest[0].Correct);
                Assert.Null(latest[1].Prompt);
                Assert.True(latest[1].Correct);
            }
            // Opening the migrated file again is a no-op migration.
            using (var again = new TraceStore(settings, new GatewayMetrics(10), NullLogger<TraceStore>.Instance))
                Assert.Equal(2, (await again.LatestAsync(10, CancellationToken.None)).Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Prompts_are_cut_to_max_chars_without_splitting_a_surrogate_pair()
    {
        Assert.Equal("abc", RequestObserver.Truncate("abc", 5));
        Assert.Equal("abcde", RequestObserver.Truncate("abcdef", 5));
        Assert.Equal("abcd", RequestObserver.Truncate("abcd\U0001F600xyz", 5));
    }

    [Fact]
    public async Task Feedback_for_a_request_still_in_flight_waits_for_its_record()
    {
        using var store = Store(capacity: 100);
        await store.StartAsync(CancellationToken.None);
        store.Open("in-flight"); // as the edge does when the request starts

        var feedback = store.SetCorrectAsync("in-flight", true, CancellationToken.None);
        await Task.Delay(50); // the record cannot be in the table yet: it has not been added
        Assert.True(store.TryAdd(Record("in-flight")));

        Assert.True(await feedback);
        var latest = await store.LatestAsync(10, CancellationToken.None);
        await store.StopAsync(CancellationToken.None);
        Assert.True(Assert.Single(latest).Correct);
    }
}
