namespace NatGateway.Nat;

/// <summary>
/// The mark ids in use by a list, answering <see cref="MarkIdAllocator.Next"/> ("lowest positive id not used") without
/// scanning the list: a set of used ids and a hint below which every id is used. Not thread-safe.
/// </summary>
public sealed class MarkIdPool
{
    private readonly HashSet<int> _used = [];
    private int _lowestFree = 1;

    public static MarkIdPool Of(IEnumerable<NatRule> rules)
    {
        var pool = new MarkIdPool();
        foreach (var rule in rules) pool.Use(rule.MarkId);
        return pool;
    }

    /// <summary>The id <see cref="MarkIdAllocator.Next"/> would give (not reserved: call <see cref="Use"/> once saved).</summary>
    public int Next()
    {
        while (_used.Contains(_lowestFree)) _lowestFree++;
        return _lowestFree;
    }

    public void Use(int id)
    {
        if (id > 0) _used.Add(id);
    }

    public void Release(int id)
    {
        if (id > 0 && _used.Remove(id) && id < _lowestFree) _lowestFree = id;
    }
}
