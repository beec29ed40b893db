namespace OpenTracy.Routing.Caching;

/// <summary>
/// A thread-safe least-recently-used cache with an optional time-to-live. Expired entries are removed
/// when they are read. One lock guards the map and the recency list: every operation is O(1).
/// </summary>
public sealed class LruCache<TKey, TValue> where TKey : notnull
{
    private readonly Dictionary<TKey, LinkedListNode<Entry>> _map;
    private readonly LinkedList<Entry> _recency = new(); // first = most recently used
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;

    public LruCache(int capacity, TimeSpan? timeToLive = null, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (timeToLive is { } ttl) ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero, nameof(timeToLive));
        Capacity = capacity;
        TimeToLive = timeToLive;
        _time = timeProvider ?? TimeProvider.System;
        _map = new Dictionary<TKey, LinkedListNode<Entry>>(Math.Min(capacity, InitialMapCapacity));
    }

    private const int InitialMapCapacity = 1024;

    public int Capacity { get; }

    /// <summary>Null when entries never expire.</summary>
    public TimeSpan? TimeToLive { get; }

    public int Count
    {
        get { lock (_gate) return _map.Count; }
    }

    public bool TryGet(TKey key, out TValue value)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                if (IsExpired(node.Value))
                {
                    Remove(node);
                }
                else
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                    value = node.Value.Value;
                    return true;
                }
            }
        }
        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        var entry = new Entry(key, value, _time.GetTimestamp());
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var existing)) Remove(existing);
            var node = _recency.AddFirst(entry);
            _map[key] = node;
            while (_map.Count > Capacity && _recency.Last is { } oldest) Remove(oldest);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _map.Clear();
            _recency.Clear();
        }
    }

    private bool IsExpired(Entry entry)
        => TimeToLive is { } ttl && _time.GetElapsedTime(entry.StoredAt) >= ttl;

    private void Remove(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        _map.Remove(node.Value.Key);
    }

    private readonly record struct Entry(TKey Key, TValue Value, long StoredAt);
}
