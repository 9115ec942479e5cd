using NatGateway.Conntrack.Mirror.Query;

namespace NatGateway.Conntrack.Mirror.Store;

/// <summary>Hands out handles for IPv6 addresses stored in a <see cref="FlowEntry"/>.</summary>
internal interface IIPv6Interner : IIPv6Addresses
{
    uint Acquire(UInt128 address);
}

/// <summary>Converts between <see cref="Flow"/> (as ctnetlink reports it) and the slab's compact <see cref="FlowEntry"/>.</summary>
internal static class FlowEntryCodec
{
    /// <summary>Fills <paramref name="entry"/> from a flow. <paramref name="now"/> is the table clock (seconds) for the expiry.
    /// Optional fields the flow lacks (<see cref="Flow.Present"/>) are marked absent so an update can keep the old values.</summary>
    public static void Encode(in Flow flow, ref FlowEntry entry, IIPv6Interner interner, uint now)
    {
        var family = flow.Family != IPFamily.Any ? flow.Family : flow.Original.Family;
        var isIPv6 = family == IPFamily.IPv6;
        var protocol = (byte)flow.Original.Protocol;
        entry.Id = flow.Id;
        entry.Family = isIPv6 ? (byte)6 : (byte)4;
        entry.Protocol = protocol;
        entry.OriginalSource = Address(flow.Original.Source, isIPv6, interner);
        entry.OriginalDestination = Address(flow.Original.Destination, isIPv6, interner);
        entry.ReplySource = Address(flow.Reply.Source, isIPv6, interner);
        entry.ReplyDestination = Address(flow.Reply.Destination, isIPv6, interner);
        (entry.OriginalSourcePort, entry.OriginalDestinationPort) = Ports(protocol, flow.Original);
        (entry.ReplySourcePort, entry.ReplyDestinationPort) = Ports(protocol, flow.Reply);
        entry.Status = (uint)flow.Status;
        entry.Mark = flow.Mark;
        entry.Zone = flow.Zone;
        var present = flow.Present;
        var flags = FlowEntryFlags.None;
        (var hasState, entry.ProtocolState) = flow.Original.Protocol switch
        {
            IPProtocol.Tcp => ((present & FlowFields.TcpInfo) != 0, (byte)flow.Tcp.State),
            IPProtocol.Sctp => ((present & FlowFields.SctpState) != 0, flow.SctpState),
            IPProtocol.Dccp => ((present & FlowFields.DccpState) != 0, flow.DccpState),
            _ => (false, (byte)0),
        };
        if (hasState) flags |= FlowEntryFlags.HasProtocolState;
        else entry.ProtocolState = 0;
        entry.ExpiresAt = (present & FlowFields.Timeout) != 0 ? (uint)Math.Min((ulong)now + flow.Timeout, uint.MaxValue) : 0;
        if ((present & FlowFields.Timeout) != 0) flags |= FlowEntryFlags.HasTimeout;
        if ((present & FlowFields.Counters) != 0)
        {
            flags |= FlowEntryFlags.HasCounters;
            entry.OriginalPackets = flow.OriginalCounters.Packets;
            entry.OriginalBytes = flow.OriginalCounters.Bytes;
            entry.ReplyPackets = flow.ReplyCounters.Packets;
            entry.ReplyBytes = flow.ReplyCounters.Bytes;
        }
        else
        {
            entry.OriginalPackets = entry.OriginalBytes = entry.ReplyPackets = entry.ReplyBytes = 0;
        }
        if ((present & FlowFields.Timestamp) != 0)
        {
            flags |= FlowEntryFlags.HasStart;
            entry.StartUnixNanoseconds = (long)flow.StartNanoseconds;
        }
        else
        {
            entry.StartUnixNanoseconds = 0;
        }
        entry.Flags = flags;
    }

    private static uint Address(NetAddress address, bool isIPv6, IIPv6Interner interner)
    {
        if (isIPv6 != address.IsIPv6)
            throw new ArgumentException($"address {address} does not match the flow's family");
        return isIPv6 ? interner.Acquire(((UInt128)address.High << 64) | address.Low) : address.IPv4Value;
    }

    private static (ushort Source, ushort Destination) Ports(byte protocol, in FlowTuple tuple) =>
        FilterNames.IsIcmp(protocol)
            ? (tuple.IcmpId, (ushort)((tuple.IcmpType << 8) | tuple.IcmpCode))
            : (tuple.SourcePort, tuple.DestinationPort);

    /// <summary>The entry as a <see cref="Flow"/> (timeout as remaining seconds at <paramref name="now"/>).</summary>
    public static Flow Decode(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now)
    {
        var present = FlowFields.Original | FlowFields.Reply | FlowFields.Status | FlowFields.Id | FlowFields.Mark;
        var flow = new Flow
        {
            Family = entry.IsIPv6 ? IPFamily.IPv6 : IPFamily.IPv4,
            Id = entry.Id,
            Original = Tuple(in entry, addresses, entry.OriginalSource, entry.OriginalDestination, entry.OriginalSourcePort, entry.OriginalDestinationPort),
            Reply = Tuple(in entry, addresses, entry.ReplySource, entry.ReplyDestination, entry.ReplySourcePort, entry.ReplyDestinationPort),
            Status = (FlowStatus)entry.Status,
            Mark = entry.Mark,
            Zone = entry.Zone,
        };
        if (entry.Zone != 0) present |= FlowFields.Zone;
        if ((entry.Flags & FlowEntryFlags.HasProtocolState) != 0)
        {
            switch ((IPProtocol)entry.Protocol)
            {
                case IPProtocol.Tcp:
                    flow.Tcp = new TcpInfo((TcpState)entry.ProtocolState, 0, 0, 0, 0);
                    present |= FlowFields.TcpInfo;
                    break;
                case IPProtocol.Sctp:
                    flow.SctpState = entry.ProtocolState;
                    present |= FlowFields.SctpState;
                    break;
                case IPProtocol.Dccp:
                    flow.DccpState = entry.ProtocolState;
                    present |= FlowFields.DccpState;
                    break;
            }
        }
        if ((entry.Flags & FlowEntryFlags.HasTimeout) != 0)
        {
            flow.Timeout = RemainingSeconds(in entry, now);
            present |= FlowFields.Timeout;
        }
        if ((entry.Flags & FlowEntryFlags.HasCounters) != 0)
        {
            flow.OriginalCounters = new FlowCounters(entry.OriginalPackets, entry.OriginalBytes);
            flow.ReplyCounters = new FlowCounters(entry.ReplyPackets, entry.ReplyBytes);
            present |= FlowFields.Counters;
        }
        if ((entry.Flags & FlowEntryFlags.HasStart) != 0)
        {
            flow.StartNanoseconds = (ulong)entry.StartUnixNanoseconds;
            present |= FlowFields.Timestamp;
        }
        flow.Present = present;
        return flow;
    }

    public static uint RemainingSeconds(ref readonly FlowEntry entry, uint now) => entry.ExpiresAt > now ? entry.ExpiresAt - now : 0;

    private static FlowTuple Tuple(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint source, uint destination, ushort sourcePort, ushort destinationPort)
    {
        var tuple = new FlowTuple
        {
            Protocol = (IPProtocol)entry.Protocol,
            Source = ToAddress(in entry, addresses, source),
            Destination = ToAddress(in entry, addresses, destination),
        };
        if (FilterNames.IsIcmp(entry.Protocol))
        {
            tuple.IcmpType = (byte)(destinationPort >> 8);
            tuple.IcmpCode = (byte)destinationPort;
            tuple.IcmpId = sourcePort;
        }
        else
        {
            tuple.SourcePort = sourcePort;
            tuple.DestinationPort = destinationPort;
        }
        return tuple;
    }

    private static NetAddress ToAddress(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint stored)
    {
        if (!entry.IsIPv6) return NetAddress.FromIPv4(stored);
        var value = addresses.GetIPv6(stored);
        return new NetAddress((ulong)(value >> 64), (ulong)value, IPFamily.IPv6);
    }
}

/// <summary>Up to four IPv6 addresses of one flow, for evaluating a filter on a single <see cref="Flow"/>.</summary>
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
