using System.Net;
using System.Net.Sockets;
using NatGateway.Conntrack.Mirror.Model;
using NatGateway.Conntrack.Mirror.Query;

namespace NatGateway.Conntrack.Mirror.Store;

/// <summary>Hands out handles for IPv6 addresses stored in a <see cref="FlowEntry"/>.</summary>
internal interface IIPv6Interner : IIPv6Addresses
{
    uint Acquire(UInt128 address);
}

/// <summary>Converts between the public <see cref="FlowRecord"/> and the slab's compact <see cref="FlowEntry"/>.</summary>
internal static class FlowEntryCodec
{
    /// <summary>Fills <paramref name="entry"/> from a record. <paramref name="now"/> is the table clock (seconds) for the expiry.</summary>
    public static void Encode(FlowRecord record, ref FlowEntry entry, IIPv6Interner interner, uint now)
    {
        var isIPv6 = record.Original.Source.AddressFamily == AddressFamily.InterNetworkV6;
        entry.Id = record.Id;
        entry.Family = isIPv6 ? (byte)6 : (byte)4;
        entry.Protocol = record.Protocol;
        entry.OriginalSource = Address(record.Original.Source, isIPv6, interner);
        entry.OriginalDestination = Address(record.Original.Destination, isIPv6, interner);
        entry.ReplySource = Address(record.Reply.Source, isIPv6, interner);
        entry.ReplyDestination = Address(record.Reply.Destination, isIPv6, interner);
        (entry.OriginalSourcePort, entry.OriginalDestinationPort) = Ports(record.Protocol, record.Original);
        (entry.ReplySourcePort, entry.ReplyDestinationPort) = Ports(record.Protocol, record.Reply);
        entry.Status = record.Status;
        entry.Mark = record.Mark;
        entry.Zone = record.Zone;
        var flags = FlowEntryFlags.None;
        entry.TcpState = record.TcpState ?? 0;
        if (record.TcpState is not null) flags |= FlowEntryFlags.HasTcpState;
        entry.ExpiresAt = record.TimeoutSeconds is { } timeout ? (uint)Math.Min((ulong)now + timeout, uint.MaxValue) : 0;
        if (record.TimeoutSeconds is not null) flags |= FlowEntryFlags.HasTimeout;
        if (record.Counters is { } counters)
        {
            flags |= FlowEntryFlags.HasCounters;
            entry.OriginalPackets = counters.OriginalPackets;
            entry.OriginalBytes = counters.OriginalBytes;
            entry.ReplyPackets = counters.ReplyPackets;
            entry.ReplyBytes = counters.ReplyBytes;
        }
        else
        {
            entry.OriginalPackets = entry.OriginalBytes = entry.ReplyPackets = entry.ReplyBytes = 0;
        }
        if (record.Start is { } start)
        {
            flags |= FlowEntryFlags.HasStart;
            entry.StartUnixNanoseconds = (start - DateTimeOffset.UnixEpoch).Ticks * 100;
        }
        else
        {
            entry.StartUnixNanoseconds = 0;
        }
        entry.Flags = flags;
    }

    private static uint Address(IPAddress address, bool isIPv6, IIPv6Interner interner)
    {
        if (isIPv6 != (address.AddressFamily == AddressFamily.InterNetworkV6))
            throw new ArgumentException($"address {address} does not match the flow's family");
        return isIPv6 ? interner.Acquire(AddressBlock.ToIPv6(address)) : AddressBlock.ToIPv4(address);
    }

    private static (ushort Source, ushort Destination) Ports(byte protocol, FlowTuple tuple) =>
        FilterNames.IsIcmp(protocol)
            ? (tuple.IcmpId, (ushort)((tuple.IcmpType << 8) | tuple.IcmpCode))
            : (tuple.SourcePort, tuple.DestinationPort);

    public static FlowRecord Decode(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now) => new()
    {
        Id = entry.Id,
        Protocol = entry.Protocol,
        Original = Tuple(in entry, addresses, entry.OriginalSource, entry.OriginalDestination, entry.OriginalSourcePort, entry.OriginalDestinationPort),
        Reply = Tuple(in entry, addresses, entry.ReplySource, entry.ReplyDestination, entry.ReplySourcePort, entry.ReplyDestinationPort),
        Status = entry.Status,
        TcpState = (entry.Flags & FlowEntryFlags.HasTcpState) != 0 ? entry.TcpState : null,
        TimeoutSeconds = (entry.Flags & FlowEntryFlags.HasTimeout) != 0 ? RemainingSeconds(in entry, now) : null,
        Mark = entry.Mark,
        Zone = entry.Zone,
        Counters = (entry.Flags & FlowEntryFlags.HasCounters) != 0
            ? new FlowCounters(entry.OriginalPackets, entry.OriginalBytes, entry.ReplyPackets, entry.ReplyBytes)
            : null,
        Start = (entry.Flags & FlowEntryFlags.HasStart) != 0
            ? DateTimeOffset.UnixEpoch.AddTicks(entry.StartUnixNanoseconds / 100)
            : null,
    };

    public static uint RemainingSeconds(ref readonly FlowEntry entry, uint now) => entry.ExpiresAt > now ? entry.ExpiresAt - now : 0;

    private static FlowTuple Tuple(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint source, uint destination, ushort sourcePort, ushort destinationPort)
    {
        var sourceAddress = ToAddress(in entry, addresses, source);
        var destinationAddress = ToAddress(in entry, addresses, destination);
        return FilterNames.IsIcmp(entry.Protocol)
            ? new FlowTuple(sourceAddress, destinationAddress, IcmpType: (byte)(destinationPort >> 8), IcmpCode: (byte)destinationPort, IcmpId: sourcePort)
            : new FlowTuple(sourceAddress, destinationAddress, sourcePort, destinationPort);
    }

    private static IPAddress ToAddress(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint stored) =>
        entry.IsIPv6 ? AddressBlock.FromIPv6(addresses.GetIPv6(stored)) : AddressBlock.FromIPv4(stored);
}

/// <summary>Up to four IPv6 addresses of one record, for evaluating a filter on a single <see cref="FlowRecord"/>.</summary>
internal sealed class ScratchIPv6Addresses : IIPv6Interner
{
    private readonly UInt128[] _addresses = new UInt128[4];
    private uint _count;

    public void Reset() => _count = 0;
    public uint Acquire(UInt128 address)
    {
        _addresses[_count] = address;
        return _count++;
    }
    public UInt128 GetIPv6(uint handle) => _addresses[handle];
}
