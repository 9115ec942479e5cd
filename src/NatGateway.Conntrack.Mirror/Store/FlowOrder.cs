using NatGateway.Conntrack.Mirror.Query;

namespace NatGateway.Conntrack.Mirror.Store;

/// <summary>A match found by a scan: the primary sort key projected to a ulong (so most comparisons are one integer compare) and its slot.</summary>
internal readonly record struct SortCandidate(ulong Key, int Slot);

/// <summary>
/// Orders slab entries by a <see cref="SortSpec"/>, then by id and slot so every order is total and pages are stable.
/// The first column is projected to an order-preserving ulong (inverted for descending); the full comparison only runs on ties.
/// </summary>
internal sealed class FlowOrder : IComparer<SortCandidate>
{
    private readonly SortKey[] _keys;
    private readonly FlowTable _table;

    public FlowOrder(SortSpec spec, FlowTable table)
    {
        var keys = spec.Keys.ToList();
        if (!keys.Any(k => k.Column == SortColumn.Id)) keys.Add(new SortKey(SortColumn.Id));
        _keys = keys.ToArray();
        _table = table;
    }

    public ulong PrimaryKey(ref readonly FlowEntry entry)
    {
        var key = Project(_keys[0].Column, in entry, _table.IPv6);
        return _keys[0].Descending ? ~key : key;
    }

    public int Compare(SortCandidate x, SortCandidate y)
    {
        var byKey = x.Key.CompareTo(y.Key);
        if (byKey != 0) return byKey;
        if (x.Slot == y.Slot) return 0;
        ref var a = ref _table.EntryAt(x.Slot);
        ref var b = ref _table.EntryAt(y.Slot);
        foreach (var key in _keys)
        {
            var c = CompareColumn(key.Column, in a, in b, _table.IPv6);
            if (c != 0) return key.Descending ? -c : c;
        }
        return x.Slot.CompareTo(y.Slot);
    }

    /// <summary>An order-preserving ulong for a column. IPv4 sorts before IPv6; IPv6 keeps its top 63 bits (ties go to <see cref="CompareColumn"/>).</summary>
    internal static ulong Project(SortColumn column, ref readonly FlowEntry e, IIPv6Addresses ipv6) => column switch
    {
        SortColumn.Family => e.Family,
        SortColumn.Protocol => e.Protocol,
        SortColumn.Source => AddressKey(in e, e.OriginalSource, ipv6),
        SortColumn.Destination => AddressKey(in e, e.OriginalDestination, ipv6),
        SortColumn.ReplySource => AddressKey(in e, e.ReplySource, ipv6),
        SortColumn.ReplyDestination => AddressKey(in e, e.ReplyDestination, ipv6),
        SortColumn.SourcePort => e.OriginalSourcePort,
        SortColumn.DestinationPort => e.OriginalDestinationPort,
        SortColumn.ReplySourcePort => e.ReplySourcePort,
        SortColumn.ReplyDestinationPort => e.ReplyDestinationPort,
        // TCP states sort before SCTP and DCCP states; flows without a state first.
        SortColumn.State => (e.Flags & FlowEntryFlags.HasProtocolState) != 0 ? ((ulong)e.Protocol << 8) + e.ProtocolState + 1UL : 0,
        SortColumn.Status => e.Status,
        SortColumn.Timeout => e.ExpiresAt,
        SortColumn.Mark => e.Mark,
        SortColumn.Zone => e.Zone,
        SortColumn.Id => e.Id,
        SortColumn.Packets => e.OriginalPackets + e.ReplyPackets,
        SortColumn.Bytes => e.OriginalBytes + e.ReplyBytes,
        SortColumn.Start => (ulong)e.StartUnixNanoseconds,
        _ => 0,
    };

    private static ulong AddressKey(ref readonly FlowEntry e, uint stored, IIPv6Addresses ipv6) =>
        e.IsIPv6 ? (1UL << 63) | (ulong)(ipv6.GetIPv6(stored) >> 65) : stored;

    private static int CompareColumn(SortColumn column, ref readonly FlowEntry a, ref readonly FlowEntry b, IIPv6Addresses ipv6) => column switch
    {
        SortColumn.Source => CompareAddress(in a, a.OriginalSource, in b, b.OriginalSource, ipv6),
        SortColumn.Destination => CompareAddress(in a, a.OriginalDestination, in b, b.OriginalDestination, ipv6),
        SortColumn.ReplySource => CompareAddress(in a, a.ReplySource, in b, b.ReplySource, ipv6),
        SortColumn.ReplyDestination => CompareAddress(in a, a.ReplyDestination, in b, b.ReplyDestination, ipv6),
        _ => Project(column, in a, ipv6).CompareTo(Project(column, in b, ipv6)),
    };

    private static int CompareAddress(ref readonly FlowEntry a, uint sa, ref readonly FlowEntry b, uint sb, IIPv6Addresses ipv6)
    {
        if (a.Family != b.Family) return a.Family.CompareTo(b.Family);
        return a.IsIPv6 ? ipv6.GetIPv6(sa).CompareTo(ipv6.GetIPv6(sb)) : sa.CompareTo(sb);
    }
}
