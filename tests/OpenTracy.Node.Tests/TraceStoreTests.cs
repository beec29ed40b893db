using Microsoft.Extensions.Logging.Abstractions;
using OpenTracy.Node.Observability;

namespace OpenTracy.Node.Tests;

public sealed class TraceStoreTests
{
    private static TraceRecord Record(string id) => new(id, DateTimeOffset.UtcNow, "m", "openai/gpt-4o-mini", "openai", false, 200, 1, 3, 4, 0.001, 12.5, null, null, null);

    private static TraceStore Store(int capacity, int maxRecords = 100)
        => new(new TraceStoreSettings(true, "", capacity, 8, maxRecords, 1000), new GatewayMetrics(10), NullLogger<TraceStore>.Instance);

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
}
