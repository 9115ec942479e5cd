using System.Runtime.InteropServices;

namespace NatGateway.Conntrack.Mirror.Store;

[Flags]
internal enum FlowEntryFlags : byte
{
    None = 0,
    HasProtocolState = 1,
    HasTimeout = 2,
    HasCounters = 4,
    HasStart = 8,
}

/// <summary>
/// One conntrack entry in the mirror's slab: 96 bytes, no references (so the GC never scans the slab).
/// IPv4 addresses are stored as host-order uints; for IPv6 the four address fields hold handles into an
/// <see cref="IPv6AddressTable"/>. For ICMP the "ports" hold id (source) and type&lt;&lt;8|code (destination),
/// the way the kernel's tuple overlays them.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FlowEntry
{
    public uint Id;
    public uint OriginalSource;
    public uint OriginalDestination;
    public uint ReplySource;
    public uint ReplyDestination;
    public ushort OriginalSourcePort;
    public ushort OriginalDestinationPort;
    public ushort ReplySourcePort;
    public ushort ReplyDestinationPort;
    /// <summary>4 or 6; 0 marks a free slot.</summary>
    public byte Family;
    public byte Protocol;
    /// <summary>TCP (enum tcp_conntrack), SCTP or DCCP state, by <see cref="Protocol"/>; valid with <see cref="FlowEntryFlags.HasProtocolState"/>.</summary>
    public byte ProtocolState;
    public FlowEntryFlags Flags;
    public uint Status;
    public uint Mark;
    public ushort Zone;
    private ushort _padding;
    /// <summary>Expiry on the owning table's clock, in whole seconds.</summary>
    public uint ExpiresAt;
    /// <summary>Next slot in the same id-hash bucket (or in the free list), +1 so 0 means none.</summary>
    public int Next;
    public ulong OriginalPackets;
    public ulong OriginalBytes;
    public ulong ReplyPackets;
    public ulong ReplyBytes;
    /// <summary>CTA_TIMESTAMP_START, nanoseconds since the Unix epoch.</summary>
    public long StartUnixNanoseconds;

    public readonly bool IsLive => Family != 0;
    public readonly bool IsIPv6 => Family == 6;
}

/// <summary>Reads the IPv6 address behind a handle stored in a <see cref="FlowEntry"/>.</summary>
internal interface IIPv6Addresses
{
    UInt128 GetIPv6(uint handle);
}
