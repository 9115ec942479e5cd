namespace NatGateway.Conntrack.Mirror.Store;

/// <summary>
/// Interned IPv6 addresses with reference counts, so a flow stores 4-byte handles instead of 16-byte addresses
/// and the thousands of flows to one server share its address. Handles of released addresses are reused.
/// The lookup is an open-addressing hash of handles (linear probing, backward-shift deletion): about 28 bytes per
/// distinct address, where a Dictionary&lt;UInt128, uint&gt; would cost about twice that.
/// </summary>
internal sealed class IPv6AddressTable : IIPv6Interner
{
    private const double MaxLoad = 0.7;

    private UInt128[] _addresses = new UInt128[64];
    private int[] _references = new int[64];
    /// <summary>handle + 1 per slot; 0 = empty.</summary>
    private uint[] _slots = new uint[128];
    private int _shift = 64 - 7;
    private int _count;
    private uint _next;
    private readonly Stack<uint> _free = new();

    public int Count => _count;

    public UInt128 GetIPv6(uint handle) => _addresses[handle];

    public uint Acquire(UInt128 address)
    {
        var mask = _slots.Length - 1;
        var i = Home(address);
        while (_slots[i] != 0)
        {
            var handle = _slots[i] - 1;
            if (_addresses[handle] == address)
            {
                _references[handle]++;
                return handle;
            }
            i = (i + 1) & mask;
        }
        var added = _free.Count > 0 ? _free.Pop() : _next++;
        if (added >= _addresses.Length)
        {
            Array.Resize(ref _addresses, _addresses.Length * 2);
            Array.Resize(ref _references, _references.Length * 2);
        }
        _addresses[added] = address;
        _references[added] = 1;
        _slots[i] = added + 1;
        if (++_count > _slots.Length * MaxLoad) Grow();
        return added;
    }

    public void Release(uint handle)
    {
        if (--_references[handle] > 0) return;
        var mask = _slots.Length - 1;
        var i = Home(_addresses[handle]);
        while (_slots[i] != handle + 1) i = (i + 1) & mask;
        // Backward-shift deletion keeps every remaining address reachable from its home slot without tombstones.
        var j = i;
        while (true)
        {
            j = (j + 1) & mask;
            if (_slots[j] == 0) break;
            var home = Home(_addresses[_slots[j] - 1]);
            var stays = i <= j ? i < home && home <= j : i < home || home <= j;
            if (stays) continue;
            _slots[i] = _slots[j];
            i = j;
        }
        _slots[i] = 0;
        _count--;
        _free.Push(handle);
    }

    private int Home(UInt128 address)
    {
        var mixed = ((ulong)(address >> 64) ^ (ulong)address) * 0x9E3779B97F4A7C15UL;
        return (int)(mixed >> _shift);
    }

    private void Grow()
    {
        var old = _slots;
        _slots = new uint[old.Length * 2];
        _shift--;
        var mask = _slots.Length - 1;
        foreach (var entry in old)
        {
            if (entry == 0) continue;
            var i = Home(_addresses[entry - 1]);
            while (_slots[i] != 0) i = (i + 1) & mask;
            _slots[i] = entry;
        }
    }
}
