using System.Buffers.Binary;
using NatGateway.Netlink;
using NatGateway.Netlink.Netfilter;

namespace NatGateway.Conntrack.Kernel;

/// <summary>Parses a ctnetlink conntrack message (nfgenmsg + CTA_* attributes) into a <see cref="Flow"/>
/// without allocating. Malformed input raises <see cref="NetlinkParseException"/> with the reason.
/// Unknown attributes are skipped so newer kernels keep working.</summary>
public static class FlowDecoder
{
    public static Flow Decode(ReadOnlySpan<byte> payload)
    {
        var nfgen = NetfilterHeader.Read(payload);
        var flow = new Flow { Family = (IPFamily)nfgen.Family };
        var a = new AttributeReader(payload[NetfilterHeader.Size..]);
        var present = FlowFields.None;
        while (a.Next())
        {
            switch ((CtAttr)a.Type)
            {
                case CtAttr.TupleOrig:
                    flow.Original = DecodeTuple(ref a);
                    present |= FlowFields.Original;
                    break;
                case CtAttr.TupleReply:
                    flow.Reply = DecodeTuple(ref a);
                    present |= FlowFields.Reply;
                    break;
                case CtAttr.Status:
                    flow.Status = (FlowStatus)a.UInt32BigEndian();
                    present |= FlowFields.Status;
                    break;
                case CtAttr.Timeout:
                    flow.Timeout = a.UInt32BigEndian();
                    present |= FlowFields.Timeout;
                    break;
                case CtAttr.Mark:
                    flow.Mark = a.UInt32BigEndian();
                    present |= FlowFields.Mark;
                    break;
                case CtAttr.Zone:
                    flow.Zone = a.UInt16BigEndian();
                    present |= FlowFields.Zone;
                    break;
                case CtAttr.Id:
                    flow.Id = a.UInt32BigEndian();
                    present |= FlowFields.Id;
                    break;
                case CtAttr.Use:
                    flow.Use = a.UInt32BigEndian();
                    present |= FlowFields.Use;
                    break;
                case CtAttr.Secmark:
                    flow.SecurityMark = a.UInt32BigEndian();
                    present |= FlowFields.SecurityMark;
                    break;
                case CtAttr.CountersOrig:
                    flow.OriginalCounters = DecodeCounters(ref a);
                    present |= FlowFields.Counters;
                    break;
                case CtAttr.CountersReply:
                    flow.ReplyCounters = DecodeCounters(ref a);
                    present |= FlowFields.Counters;
                    break;
                case CtAttr.Timestamp:
                    DecodeTimestamp(ref a, ref flow, ref present);
                    break;
                case CtAttr.Labels:
                    if (a.Data.Length < 16) { a.Fail($"CTA_LABELS: expected 16 bytes, got {a.Data.Length}"); break; }
                    flow.Labels = new ConntrackLabels(BinaryPrimitives.ReadUInt64LittleEndian(a.Data), BinaryPrimitives.ReadUInt64LittleEndian(a.Data[8..]));
                    present |= FlowFields.Labels;
                    break;
                case CtAttr.ProtoInfo:
                    DecodeProtoInfo(ref a, ref flow, ref present);
                    break;
            }
        }
        if (a.Error is not null) throw new NetlinkParseException("conntrack message: " + a.Error);
        flow.Present = present;
        return flow;
    }

    private static FlowTuple DecodeTuple(ref AttributeReader outer)
    {
        var tuple = new FlowTuple();
        var a = outer.Nested();
        while (a.Next())
        {
            switch ((CtTupleAttr)a.Type)
            {
                case CtTupleAttr.Ip:
                    var ip = a.Nested();
                    while (ip.Next())
                    {
                        switch ((CtIpAttr)ip.Type)
                        {
                            case CtIpAttr.V4Src when ip.Data.Length == 4:
                            case CtIpAttr.V6Src when ip.Data.Length == 16:
                                tuple.Source = NetAddress.FromBytes(ip.Data);
                                break;
                            case CtIpAttr.V4Dst when ip.Data.Length == 4:
                            case CtIpAttr.V6Dst when ip.Data.Length == 16:
                                tuple.Destination = NetAddress.FromBytes(ip.Data);
                                break;
                            case CtIpAttr.V4Src or CtIpAttr.V4Dst or CtIpAttr.V6Src or CtIpAttr.V6Dst:
                                ip.Fail($"CTA_IP type {ip.Type}: bad address length {ip.Data.Length}");
                                break;
                        }
                    }
                    if (ip.Error is not null) a.Fail("CTA_TUPLE_IP: " + ip.Error);
                    break;
                case CtTupleAttr.Proto:
                    var p = a.Nested();
                    while (p.Next())
                    {
                        switch ((CtProtoAttr)p.Type)
                        {
                            case CtProtoAttr.Num: tuple.Protocol = (IPProtocol)p.UInt8(); break;
                            case CtProtoAttr.SrcPort: tuple.SourcePort = p.UInt16BigEndian(); break;
                            case CtProtoAttr.DstPort: tuple.DestinationPort = p.UInt16BigEndian(); break;
                            case CtProtoAttr.IcmpId or CtProtoAttr.IcmpV6Id: tuple.IcmpId = p.UInt16BigEndian(); break;
                            case CtProtoAttr.IcmpType or CtProtoAttr.IcmpV6Type: tuple.IcmpType = p.UInt8(); break;
                            case CtProtoAttr.IcmpCode or CtProtoAttr.IcmpV6Code: tuple.IcmpCode = p.UInt8(); break;
                        }
                    }
                    if (p.Error is not null) a.Fail("CTA_TUPLE_PROTO: " + p.Error);
                    break;
                case CtTupleAttr.Zone:
                    tuple.Zone = a.UInt16BigEndian();
                    break;
            }
        }
        if (a.Error is not null) outer.Fail("tuple: " + a.Error);
        return tuple;
    }

    private static FlowCounters DecodeCounters(ref AttributeReader outer)
    {
        ulong packets = 0, bytes = 0;
        var a = outer.Nested();
        while (a.Next())
        {
            switch ((CtCountersAttr)a.Type)
            {
                case CtCountersAttr.Packets: packets = a.UInt64BigEndian(); break;
                case CtCountersAttr.Bytes: bytes = a.UInt64BigEndian(); break;
                case CtCountersAttr.Packets32: packets = a.UInt32BigEndian(); break;
                case CtCountersAttr.Bytes32: bytes = a.UInt32BigEndian(); break;
            }
        }
        if (a.Error is not null) outer.Fail("counters: " + a.Error);
        return new FlowCounters(packets, bytes);
    }

    private static void DecodeTimestamp(ref AttributeReader outer, ref Flow flow, ref FlowFields present)
    {
        var a = outer.Nested();
        while (a.Next())
        {
            switch ((CtTimestampAttr)a.Type)
            {
                case CtTimestampAttr.Start:
                    flow.StartNanoseconds = a.UInt64BigEndian();
                    present |= FlowFields.Timestamp;
                    break;
                case CtTimestampAttr.Stop:
                    flow.StopNanoseconds = a.UInt64BigEndian();
                    present |= FlowFields.TimestampStop;
                    break;
            }
        }
        if (a.Error is not null) outer.Fail("timestamp: " + a.Error);
    }

    private static void DecodeProtoInfo(ref AttributeReader outer, ref Flow flow, ref FlowFields present)
    {
        var a = outer.Nested();
        while (a.Next())
        {
            var inner = a.Nested();
            switch ((CtProtoInfoAttr)a.Type)
            {
                case CtProtoInfoAttr.Tcp:
                    TcpState state = 0;
                    byte wo = 0, wr = 0, fo = 0, fr = 0;
                    while (inner.Next())
                    {
                        switch ((CtProtoInfoTcpAttr)inner.Type)
                        {
                            case CtProtoInfoTcpAttr.State: state = (TcpState)inner.UInt8(); break;
                            case CtProtoInfoTcpAttr.WScaleOriginal: wo = inner.UInt8(); break;
                            case CtProtoInfoTcpAttr.WScaleReply: wr = inner.UInt8(); break;
                            // struct nf_ct_tcp_flags { __u8 flags; __u8 mask; }
                            case CtProtoInfoTcpAttr.FlagsOriginal when inner.Data.Length == 2: fo = inner.Data[0]; break;
                            case CtProtoInfoTcpAttr.FlagsReply when inner.Data.Length == 2: fr = inner.Data[0]; break;
                            case CtProtoInfoTcpAttr.FlagsOriginal or CtProtoInfoTcpAttr.FlagsReply:
                                inner.Fail($"TCP flags: expected 2 bytes, got {inner.Data.Length}");
                                break;
                        }
                    }
                    flow.Tcp = new TcpInfo(state, wo, wr, fo, fr);
                    present |= FlowFields.TcpInfo;
                    break;
                case CtProtoInfoAttr.Sctp:
                    while (inner.Next())
                        if (inner.Type == 1) // CTA_PROTOINFO_SCTP_STATE
                        {
                            flow.SctpState = inner.UInt8();
                            present |= FlowFields.SctpState;
                        }
                    break;
                case CtProtoInfoAttr.Dccp:
                    while (inner.Next())
                        if (inner.Type == 1) // CTA_PROTOINFO_DCCP_STATE
                        {
                            flow.DccpState = inner.UInt8();
                            present |= FlowFields.DccpState;
                        }
                    break;
            }
            if (inner.Error is not null) a.Fail("protoinfo: " + inner.Error);
        }
        if (a.Error is not null) outer.Fail(a.Error);
    }
}
