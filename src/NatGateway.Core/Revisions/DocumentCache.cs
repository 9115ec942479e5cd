namespace NatGateway.Core.Revisions;

/// <summary>
/// Parsed revision documents by content hash (a hash names immutable content, so an entry never goes stale), least
/// recently used first out once their weight (about the bytes they hold) passes the bound: diffs and the in-force
/// lookups parse a 10,000-rule document once, and memory stays bounded however long the history is.
/// </summary>
internal sealed class DocumentCache(long maxWeight)
{
    private sealed record Entry(string Key, object Value, long Weight);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _lru = new();
    private long _weight;

    public long Weight { get { lock (_gate) return _weight; } }

    public bool TryGet<T>(string key, out T value) where T : class
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node) && node.Value.Value is T found)
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                value = found;
                return true;
            }
        }
        value = null!;
        return false;
    }

    /// <summary>Keeps <paramref name="value"/> unless it alone is heavier than the bound.</summary>
    public void Add(string key, object value, long weight)
    {
        if (weight > maxWeight) return;
        lock (_gate)
        {
            if (_map.ContainsKey(key)) return;
            _map[key] = _lru.AddFirst(new Entry(key, value, weight));
            _weight += weight;
            while (_weight > maxWeight && _lru.Last is { } oldest)
            {
                _lru.RemoveLast();
                _map.Remove(oldest.Value.Key);
                _weight -= oldest.Value.Weight;
            }
        }
    }
}
