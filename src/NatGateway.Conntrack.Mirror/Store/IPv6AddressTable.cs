namespace NatGateway.Conntrack.Mirror.Store;

/// <summary>
/// Interned IPv6 addresses with reference counts, so a flow stores 4-byte handles instead of 16-byte addresses
/// and the thousands of flows to one server share its address. Handles of released addresses are reused.
/// </summary>
internal sealed class IPv6AddressTable : IIPv6Interner
{
    private UInt128[] _addresses = new UInt128[64];
    private int[] _references = new int[64];
    private readonly Dictionary<UInt128, uint> _handles = new();
    private readonly Stack<uint> _free = new();
    private uint _next;

    public int Count => _handles.Count;

    public UInt128 GetIPv6(uint handle) => _addresses[handle];

    public uint Acquire(UInt128 address)
    {
        if (_handles.TryGetValue(address, out var handle))
        {
            _references[handle]++;
            return handle;
        }
        handle = _free.Count > 0 ? _free.Pop() : _next++;
        if (handle >= _addresses.Length)
        {
            Array.Resize(ref _addresses, _addresses.Length * 2);
            Array.Resize(ref _references, _references.Length * 2);
        }
        _addresses[handle] = address;
        _references[handle] = 1;
        _handles.Add(address, handle);
        return handle;
    }

    public void Release(uint handle)
    {
        if (--_references[handle] > 0) return;
        _handles.Remove(_addresses[handle]);
        _free.Push(handle);
    }
}
