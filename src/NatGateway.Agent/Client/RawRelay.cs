using NatGateway.Conntrack;
using NatGateway.Conntrack.Kernel;
using NatGateway.Netlink;
using NatGateway.Netlink.Netfilter;

namespace NatGateway.Agent.Client;

/// <summary>Decodes the kernel datagrams the agent relays, with the same decoders single-process mode uses.</summary>
public static class RawRelay
{
    /// <summary>Dump datagrams: every ctnetlink entry, re-checked against <paramref name="filter"/> in managed code as
    /// ConntrackClient.Dump does (zone is never sent to the kernel). Returns how many were passed on.</summary>
    public static long DecodeDump(ReadOnlySpan<byte> datagram, DumpFilter? filter, FlowHandler onFlow)
    {
        long count = 0;
        var messages = new NetlinkMessageReader(datagram);
        while (messages.Next())
        {
            var header = messages.Header;
            if (NetfilterMessageType.Subsystem(header.Type) != NetfilterSubsystem.Ctnetlink) continue;
            if ((CtnetlinkMessage)NetfilterMessageType.Message(header.Type) != CtnetlinkMessage.New) continue;
            var flow = FlowDecoder.Decode(messages.Payload);
            if (filter is not null && !filter.Matches(flow)) continue;
            count++;
            onFlow(in flow);
        }
        if (messages.Error is not null) throw new NetlinkParseException(messages.Error);
        return count;
    }

    /// <summary>An event datagram, classified like ConntrackListener does.</summary>
    public static int DecodeEvents(ReadOnlySpan<byte> datagram, FlowEventHandler handler)
    {
        var count = 0;
        var messages = new NetlinkMessageReader(datagram);
        while (messages.Next())
        {
            if (!ConntrackListener.TryDecodeEvent(messages.Header, messages.Payload, out var flowEvent)) continue;
            count++;
            handler(in flowEvent);
        }
        if (messages.Error is not null) throw new NetlinkParseException(messages.Error);
        return count;
    }
}
