using System.Collections.Concurrent;

namespace OpenTracy.MockProvider;

/// <summary>Counters, fail-times budgets and recorded requests of one scenario id.</summary>
internal sealed class IdState
{
    public const int MaxRecorded = 200;

    private readonly Queue<RecordedRequest> _recorded = new();
    private long _requests;
    private long _completed;
    private long _cancelled;
    private long _failAttempts;

    public IdState(string id) => Id = id;

    public string Id { get; }

    public void OnRequest(RecordedRequest request)
    {
        Interlocked.Increment(ref _requests);
        lock (_recorded)
        {
            if (_recorded.Count >= MaxRecorded)
            {
                _recorded.Dequeue();
            }
            _recorded.Enqueue(request);
        }
    }

    public void OnCompleted() => Interlocked.Increment(ref _completed);

    public void OnCancelled() => Interlocked.Increment(ref _cancelled);

    /// <summary>Counts one attempt against the fail-times budget; true while the budget is not exhausted.</summary>
    public bool ConsumeFailure(int failTimes) => Interlocked.Increment(ref _failAttempts) <= failTimes;

    public MockStats Snapshot() => new(Id, Interlocked.Read(ref _requests), Interlocked.Read(ref _completed), Interlocked.Read(ref _cancelled));

    public RecordedRequest[] Recorded()
    {
        lock (_recorded)
        {
            return _recorded.ToArray();
        }
    }
}

/// <summary>All scenario ids. Thread-safe.</summary>
internal sealed class MockState
{
    public const string DefaultId = "default";

    private readonly ConcurrentDictionary<string, IdState> _ids = new(StringComparer.Ordinal);

    public IdState Get(string id) => _ids.GetOrAdd(id, static k => new IdState(k));

    public MockStats Stats(string id) => _ids.TryGetValue(id, out var s) ? s.Snapshot() : new MockStats(id, 0, 0, 0);

    public IReadOnlyList<RecordedRequest> Requests(string id) => _ids.TryGetValue(id, out var s) ? s.Recorded() : [];

    public void Reset() => _ids.Clear();
}
