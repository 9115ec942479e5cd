using NatGateway.Netlink;
using NatGateway.Netlink.Netfilter;

namespace NatGateway.Conntrack.Kernel;

/// <summary>Writes ctnetlink requests. Each method appends one complete message to the writer so callers can
/// batch many messages into one sendmsg. Attribute order follows libnetfilter_conntrack.</summary>
public static class RequestEncoder
{
    private const NetlinkMessageFlags RequestAck = NetlinkMessageFlags.Request | NetlinkMessageFlags.Ack;

    /// <summary>conntrack -L [-f ipv4|ipv6] [-m MARK/MASK] (plus CTA_FILTER for tuple fields).</summary>
    public static void Dump(AttributeWriter w, uint sequence, IPFamily family, DumpFilter? filter)
    {
        w.BeginNetfilterMessage(NetfilterSubsystem.Ctnetlink, (byte)CtnetlinkMessage.Get,
            NetlinkMessageFlags.Request | NetlinkMessageFlags.Dump, sequence, (byte)family);
        if (filter is not null) WriteFilter(w, filter);
        w.EndMessage();
    }

    /// <summary>conntrack -F [-f FAMILY]: version 0 flushes every family regardless of nfgen_family;
    /// with a filter (or a family) version 1 makes the kernel honour the family.</summary>
    public static void Flush(AttributeWriter w, uint sequence, IPFamily family, DumpFilter? filter)
    {
        var version = family != IPFamily.Any || filter is not null ? NetfilterHeader.Version1 : NetfilterHeader.Version0;
        w.BeginNetfilterMessage(NetfilterSubsystem.Ctnetlink, (byte)CtnetlinkMessage.Delete, RequestAck, sequence, (byte)family, version);
        if (filter is not null) WriteFilter(w, filter);
        w.EndMessage();
    }

    /// <summary>conntrack -G -p tcp -s A -d B --sport X --dport Y: one entry by original tuple.</summary>
    public static void Get(AttributeWriter w, uint sequence, in FlowTuple original, ushort zone)
    {
        w.BeginNetfilterMessage(NetfilterSubsystem.Ctnetlink, (byte)CtnetlinkMessage.Get, RequestAck, sequence, (byte)original.Family);
        WriteTuple(w, CtAttr.TupleOrig, original);
        if (zone != 0) w.UInt16BigEndian((ushort)CtAttr.Zone, zone);
        w.EndMessage();
    }

    /// <summary>conntrack -D -p tcp -s A -d B --sport X --dport Y: one entry by original tuple; with an id
    /// (CTA_ID) the kernel deletes only that exact entry, not a newer one reusing the tuple.</summary>
    public static void Delete(AttributeWriter w, uint sequence, in FlowTuple original, ushort zone, uint? id, bool ack = true)
    {
        w.BeginNetfilterMessage(NetfilterSubsystem.Ctnetlink, (byte)CtnetlinkMessage.Delete,
            ack ? RequestAck : NetlinkMessageFlags.Request, sequence, (byte)original.Family);
        WriteTuple(w, CtAttr.TupleOrig, original);
        if (zone != 0) w.UInt16BigEndian((ushort)CtAttr.Zone, zone);
        if (id is { } value) w.UInt32BigEndian((ushort)CtAttr.Id, value);
        w.EndMessage();
    }

    /// <summary>conntrack -I -p tcp -s A -d B --sport X --dport Y -t TIMEOUT [--state ESTABLISHED] [-m MARK] [-u ASSURED].</summary>
    public static void Create(AttributeWriter w, uint sequence, in Flow flow, bool ack = true)
    {
        var flags = NetlinkMessageFlags.Request | NetlinkMessageFlags.Create | NetlinkMessageFlags.Excl;
        if (ack) flags |= NetlinkMessageFlags.Ack;
        var family = flow.Family != IPFamily.Any ? flow.Family : flow.Original.Family;
        w.BeginNetfilterMessage(NetfilterSubsystem.Ctnetlink, (byte)CtnetlinkMessage.New, flags, sequence, (byte)family);
        WriteTuple(w, CtAttr.TupleOrig, flow.Original);
        WriteTuple(w, CtAttr.TupleReply, (flow.Present & FlowFields.Reply) != 0 ? flow.Reply : flow.Original.Inverted());
        // The kernel marks a ctnetlink-created entry CONFIRMED before applying CTA_STATUS and refuses to
        // change that bit (EBUSY), so it must be part of the requested status, as conntrack -I sends it.
        if (flow.Status != FlowStatus.None) w.UInt32BigEndian((ushort)CtAttr.Status, (uint)(flow.Status | FlowStatus.Confirmed));
        w.UInt32BigEndian((ushort)CtAttr.Timeout, flow.Timeout);
        if (flow.Mark != 0) w.UInt32BigEndian((ushort)CtAttr.Mark, flow.Mark);
        if (flow.Zone != 0) w.UInt16BigEndian((ushort)CtAttr.Zone, flow.Zone);
        if (flow.Original.Protocol == IPProtocol.Tcp)
        {
            using (w.Nested((ushort)CtAttr.ProtoInfo))
            using (w.Nested((ushort)CtProtoInfoAttr.Tcp))
                w.UInt8((ushort)CtProtoInfoTcpAttr.State, (byte)flow.Tcp.State);
        }
        w.EndMessage();
    }

    /// <summary>conntrack -C: the global entry count (IPCTNL_MSG_CT_GET_STATS).</summary>
    public static void Count(AttributeWriter w, uint sequence)
    {
        w.BeginNetfilterMessage(NetfilterSubsystem.Ctnetlink, (byte)CtnetlinkMessage.GetStats, NetlinkMessageFlags.Request, sequence, 0);
        w.EndMessage();
    }

    /// <summary>conntrack -S: one message per CPU (IPCTNL_MSG_CT_GET_STATS_CPU dump).</summary>
    public static void StatsPerCpu(AttributeWriter w, uint sequence)
    {
        w.BeginNetfilterMessage(NetfilterSubsystem.Ctnetlink, (byte)CtnetlinkMessage.GetStatsCpu,
            NetlinkMessageFlags.Request | NetlinkMessageFlags.Dump, sequence, 0);
        w.EndMessage();
    }

    /// <summary>Closes a batch of un-ACKed requests: a harmless stats request with NLM_F_ACK (conntrack -C plus an ACK),
    /// always answered, so its ACK tells the client every earlier message in the datagram has been handled.</summary>
    public static void BatchEndMarker(AttributeWriter w, uint sequence)
    {
        w.BeginNetfilterMessage(NetfilterSubsystem.Ctnetlink, (byte)CtnetlinkMessage.GetStats,
            NetlinkMessageFlags.Request | NetlinkMessageFlags.Ack, sequence, 0);
        w.EndMessage();
    }

    public static void WriteTuple(AttributeWriter w, CtAttr which, in FlowTuple t)
    {
        using (w.Nested((ushort)which))
        {
            Span<byte> address = stackalloc byte[16];
            using (w.Nested((ushort)CtTupleAttr.Ip))
            {
                var v6 = t.Family == IPFamily.IPv6;
                w.Bytes((ushort)(v6 ? CtIpAttr.V6Src : CtIpAttr.V4Src), address[..t.Source.WriteBytes(address)]);
                w.Bytes((ushort)(v6 ? CtIpAttr.V6Dst : CtIpAttr.V4Dst), address[..t.Destination.WriteBytes(address)]);
            }
            using (w.Nested((ushort)CtTupleAttr.Proto))
                WriteProto(w, t.Protocol, t.SourcePort, t.DestinationPort, t.IcmpType, t.IcmpCode, t.IcmpId);
            if (t.Zone is { } zone) w.UInt16BigEndian((ushort)CtTupleAttr.Zone, zone);
        }
    }

    private static void WriteProto(AttributeWriter w, IPProtocol protocol, ushort? sport, ushort? dport, byte? type, byte? code, ushort? id)
    {
        w.UInt8((ushort)CtProtoAttr.Num, (byte)protocol);
        if (protocol.HasPorts())
        {
            if (sport is { } s) w.UInt16BigEndian((ushort)CtProtoAttr.SrcPort, s);
            if (dport is { } d) w.UInt16BigEndian((ushort)CtProtoAttr.DstPort, d);
        }
        else if (protocol.IsIcmp())
        {
            var v6 = protocol == IPProtocol.IcmpV6;
            if (type is { } ty) w.UInt8((ushort)(v6 ? CtProtoAttr.IcmpV6Type : CtProtoAttr.IcmpType), ty);
            if (code is { } c) w.UInt8((ushort)(v6 ? CtProtoAttr.IcmpV6Code : CtProtoAttr.IcmpCode), c);
            if (id is { } i) w.UInt16BigEndian((ushort)(v6 ? CtProtoAttr.IcmpV6Id : CtProtoAttr.IcmpId), i);
        }
    }

    /// <summary>CTA_MARK/CTA_MARK_MASK, CTA_STATUS/CTA_STATUS_MASK, and for tuple fields CTA_TUPLE_ORIG/REPLY +
    /// CTA_FILTER {ORIG_FLAGS, REPLY_FLAGS} + CTA_ZONE, as libnetfilter_conntrack's filter_dump does.</summary>
    public static void WriteFilter(AttributeWriter w, DumpFilter filter)
    {
        if (filter.Mark is { } mark)
        {
            w.UInt32BigEndian((ushort)CtAttr.Mark, mark);
            w.UInt32BigEndian((ushort)CtAttr.MarkMask, filter.MarkMask);
        }
        if (filter.Status is { } status)
        {
            w.UInt32BigEndian((ushort)CtAttr.Status, (uint)status);
            w.UInt32BigEndian((ushort)CtAttr.StatusMask, (uint)filter.StatusMask);
        }
        if (!filter.NeedsCtaFilter) return;
        var family = filter.ImpliedFamily;
        var origFlags = WriteTupleFilter(w, CtAttr.TupleOrig, filter.Original, family, null);
        var replyFlags = WriteTupleFilter(w, CtAttr.TupleReply, filter.Reply, family, null);
        using (w.Nested((ushort)CtAttr.Filter))
        {
            w.UInt32((ushort)CtFilterAttr.OrigFlags, (uint)origFlags);
            w.UInt32((ushort)CtFilterAttr.ReplyFlags, (uint)replyFlags);
        }
    }

    private static CtFilterFlags WriteTupleFilter(AttributeWriter w, CtAttr which, TupleFilter? f, IPFamily family, ushort? zone)
    {
        var flags = CtFilterFlags.None;
        if (f is null || f.IsEmpty)
        {
            if (zone is null) return flags;
            // The zone filter rides on the original tuple: an empty tuple with only CTA_TUPLE_ZONE.
            using (w.Nested((ushort)which))
                w.UInt16BigEndian((ushort)CtTupleAttr.Zone, zone.Value);
            return CtFilterFlags.TupleZone;
        }
        using (w.Nested((ushort)which))
        {
            if (f.Source is not null || f.Destination is not null)
            {
                Span<byte> address = stackalloc byte[16];
                var v6 = family == IPFamily.IPv6;
                using (w.Nested((ushort)CtTupleAttr.Ip))
                {
                    if (f.Source is { } s)
                    {
                        w.Bytes((ushort)(v6 ? CtIpAttr.V6Src : CtIpAttr.V4Src), address[..s.WriteBytes(address)]);
                        flags |= CtFilterFlags.IpSrc;
                    }
                    if (f.Destination is { } d)
                    {
                        w.Bytes((ushort)(v6 ? CtIpAttr.V6Dst : CtIpAttr.V4Dst), address[..d.WriteBytes(address)]);
                        flags |= CtFilterFlags.IpDst;
                    }
                }
            }
            if (f.Protocol is { } protocol)
            {
                using (w.Nested((ushort)CtTupleAttr.Proto))
                    WriteProto(w, protocol, f.SourcePort, f.DestinationPort, f.IcmpType, f.IcmpCode, f.IcmpId);
                flags |= CtFilterFlags.ProtoNum;
                if (protocol.HasPorts())
                {
                    if (f.SourcePort is not null) flags |= CtFilterFlags.ProtoSrcPort;
                    if (f.DestinationPort is not null) flags |= CtFilterFlags.ProtoDstPort;
                }
                else if (protocol == IPProtocol.Icmp)
                {
                    if (f.IcmpType is not null) flags |= CtFilterFlags.IcmpType;
                    if (f.IcmpCode is not null) flags |= CtFilterFlags.IcmpCode;
                    if (f.IcmpId is not null) flags |= CtFilterFlags.IcmpId;
                }
                else if (protocol == IPProtocol.IcmpV6)
                {
                    if (f.IcmpType is not null) flags |= CtFilterFlags.IcmpV6Type;
                    if (f.IcmpCode is not null) flags |= CtFilterFlags.IcmpV6Code;
                    if (f.IcmpId is not null) flags |= CtFilterFlags.IcmpV6Id;
                }
            }
            else if (f.SourcePort is not null || f.DestinationPort is not null || f.IcmpType is not null || f.IcmpCode is not null || f.IcmpId is not null)
            {
                throw new ArgumentException("a port or ICMP filter needs a protocol (conntrack -p)");
            }
            if (zone is { } z)
            {
                w.UInt16BigEndian((ushort)CtTupleAttr.Zone, z);
                flags |= CtFilterFlags.TupleZone;
            }
        }
        return flags;
    }
}
