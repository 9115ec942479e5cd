using System.Buffers.Binary;

namespace NatGateway.Netlink.Netfilter;

/// <summary>enum nf_tables_msg_types members this layer reads (include/uapi/linux/netfilter/nf_tables.h).</summary>
public static class NftMessage
{
    /// <summary>NFT_MSG_TRACE: one trace event (enum nft_trace_attributes), sent to NFNLGRP_NFTRACE.</summary>
    public const byte Trace = 17;
}

/// <summary>enum nft_trace_attributes (include/uapi/linux/netfilter/nf_tables.h). Every integer is big-endian.</summary>
public enum NftTraceAttribute : ushort
{
    /// <summary>NFTA_TRACE_TABLE: name of the table (NLA_STRING)</summary>
    Table = 1,
    /// <summary>NFTA_TRACE_CHAIN: name of the chain (NLA_STRING)</summary>
    Chain = 2,
    /// <summary>NFTA_TRACE_RULE_HANDLE: the rule's handle (be64)</summary>
    RuleHandle = 3,
    /// <summary>NFTA_TRACE_TYPE: enum nft_trace_types (be32)</summary>
    Type = 4,
    /// <summary>NFTA_TRACE_VERDICT: nested enum nft_verdict_attributes</summary>
    Verdict = 5,
    /// <summary>NFTA_TRACE_ID: pseudo-id, the same for every event of one skb (be32)</summary>
    Id = 6,
    /// <summary>NFTA_TRACE_LL_HEADER: link-layer header (binary, at most 20 bytes)</summary>
    LinkLayerHeader = 7,
    /// <summary>NFTA_TRACE_NETWORK_HEADER: network header (binary, at most 40 bytes)</summary>
    NetworkHeader = 8,
    /// <summary>NFTA_TRACE_TRANSPORT_HEADER: transport header (binary, at most 20 bytes)</summary>
    TransportHeader = 9,
    /// <summary>NFTA_TRACE_IIF: input ifindex (be32)</summary>
    InInterface = 10,
    /// <summary>NFTA_TRACE_IIFTYPE: ARPHRD_* of the input device (be16)</summary>
    InInterfaceType = 11,
    /// <summary>NFTA_TRACE_OIF: output ifindex (be32)</summary>
    OutInterface = 12,
    /// <summary>NFTA_TRACE_OIFTYPE (be16)</summary>
    OutInterfaceType = 13,
    /// <summary>NFTA_TRACE_MARK: skb mark, only when non-zero (be32)</summary>
    Mark = 14,
    /// <summary>NFTA_TRACE_NFPROTO: the protocol the hook processes (be32; NFPROTO_IPV4 even in an inet chain)</summary>
    NfProto = 15,
    /// <summary>NFTA_TRACE_POLICY: the base chain's policy that decided (be32 NF_ACCEPT/NF_DROP), with type POLICY</summary>
    Policy = 16,
    /// <summary>NFTA_TRACE_PAD</summary>
    Pad = 17,
    /// <summary>NFTA_TRACE_CT_ID (be32). 18–21 are newer than Debian 12's uapi header: the kernel added conntrack
    /// information to trace events (seen on 6.18 here); older kernels do not send them.</summary>
    ConntrackId = 18,
    /// <summary>NFTA_TRACE_CT_DIRECTION (u8: 0 original, 1 reply)</summary>
    ConntrackDirection = 19,
    /// <summary>NFTA_TRACE_CT_STATUS (be32, IPS_* bits)</summary>
    ConntrackStatus = 20,
    /// <summary>NFTA_TRACE_CT_STATE (be32, NF_CT_STATE_* bits: 1 invalid, 2 established, 4 related, 8 new, 64 untracked)</summary>
    ConntrackState = 21,
}

/// <summary>enum nft_trace_types.</summary>
public enum NftTraceType : uint
{
    Unspecified = 0,
    /// <summary>NFT_TRACETYPE_POLICY: the base chain's policy decided (the end of a base chain reached).</summary>
    Policy = 1,
    /// <summary>NFT_TRACETYPE_RETURN: return from a chain (explicit, or the end of a regular chain).</summary>
    Return = 2,
    /// <summary>NFT_TRACETYPE_RULE: a rule matched (its verdict, continue when it has none).</summary>
    Rule = 3,
}

/// <summary>enum nft_verdict_attributes.</summary>
public enum NftVerdictAttribute : ushort
{
    /// <summary>NFTA_VERDICT_CODE (be32; negative for NFT_CONTINUE…NFT_RETURN)</summary>
    Code = 1,
    /// <summary>NFTA_VERDICT_CHAIN: jump/goto target (string)</summary>
    Chain = 2,
    /// <summary>NFTA_VERDICT_CHAIN_ID</summary>
    ChainId = 3,
}

/// <summary>Verdict codes: netfilter's NF_* (linux/netfilter.h) and nf_tables' enum nft_verdicts share one number space.</summary>
public static class NftVerdictCode
{
    public const int Drop = 0;
    public const int Accept = 1;
    public const int Stolen = 2;
    public const int Queue = 3;
    public const int Repeat = 4;
    public const int Continue = -1;
    public const int Break = -2;
    public const int Jump = -3;
    public const int Goto = -4;
    public const int Return = -5;

    /// <summary>NF_VERDICT_MASK: a positive verdict carries a queue number or errno above the low byte (NF_DROP_ERR).</summary>
    public static int Normalize(int code) => code >= 0 ? code & 0xff : code;
}

/// <summary>
/// One NFT_MSG_TRACE event: where a traced packet was (family, table, chain, rule) and what was decided. Optional
/// attributes are null when the kernel did not send them: the rule handle is absent for policy events and for the
/// chain's end sentinel; interfaces and headers only come with the first event of each base chain
/// (nf_tables_trace.c: nft_trace_notify dumps the packet once per chain, <c>packet_dumped</c>).
/// </summary>
public sealed record NftTraceEvent
{
    /// <summary>nfgenmsg family: the table's family (NFPROTO_INET 1, IPV4 2, ARP 3, NETDEV 5, BRIDGE 7, IPV6 10).</summary>
    public required byte Family { get; init; }
    public required uint Id { get; init; }
    public required NftTraceType Type { get; init; }
    public string? Table { get; init; }
    public string? Chain { get; init; }
    public ulong? RuleHandle { get; init; }
    /// <summary>NFTA_VERDICT_CODE, normalized (<see cref="NftVerdictCode.Normalize"/>); null for policy events.</summary>
    public int? VerdictCode { get; init; }
    /// <summary>The chain of a jump/goto verdict.</summary>
    public string? JumpTarget { get; init; }
    /// <summary>The policy of a policy event (NF_ACCEPT 1 / NF_DROP 0).</summary>
    public uint? Policy { get; init; }
    public uint? InInterfaceIndex { get; init; }
    public uint? OutInterfaceIndex { get; init; }
    public uint? Mark { get; init; }
    public uint? NfProto { get; init; }
    public uint? ConntrackState { get; init; }
    public byte[]? NetworkHeader { get; init; }
    public byte[]? TransportHeader { get; init; }

    /// <summary>The decided verdict: the policy for policy events, the rule's verdict code otherwise.</summary>
    public int? Decision => Type == NftTraceType.Policy ? (int?)Policy : VerdictCode;
}

/// <summary>
/// Decodes NFT_MSG_TRACE messages (what libnftnl's nftnl_trace_nlmsg_parse reads for <c>nft monitor trace</c>), in the
/// <see cref="AttributeReader"/> style: unknown attributes are skipped (kernels add some: 18–21 arrived with conntrack
/// information), a malformed message raises <see cref="NetlinkParseException"/> with the reason.
/// </summary>
public static class NftTraceDecoder
{
    /// <summary>True for an nf_tables trace message (subsystem NFNL_SUBSYS_NFTABLES, message NFT_MSG_TRACE).</summary>
    public static bool IsTrace(NetlinkMessageHeader header) =>
        NetfilterMessageType.Subsystem(header.Type) == NetfilterSubsystem.Nftables && NetfilterMessageType.Message(header.Type) == NftMessage.Trace;

    /// <summary>Decodes the payload (nfgenmsg + attributes) of a trace message.</summary>
    public static NftTraceEvent Decode(ReadOnlySpan<byte> payload)
    {
        var nfgen = NetfilterHeader.Read(payload);
        uint? id = null;
        NftTraceType? type = null;
        string? table = null, chain = null, jumpTarget = null;
        ulong? handle = null;
        int? verdict = null;
        uint? policy = null, iif = null, oif = null, mark = null, nfproto = null, ctState = null;
        byte[]? network = null, transport = null;
        var a = new AttributeReader(payload[NetfilterHeader.Size..]);
        while (a.Next())
        {
            switch ((NftTraceAttribute)a.Type)
            {
                case NftTraceAttribute.Table: table = a.String(); break;
                case NftTraceAttribute.Chain: chain = a.String(); break;
                case NftTraceAttribute.RuleHandle: handle = a.UInt64BigEndian(); break;
                case NftTraceAttribute.Type: type = (NftTraceType)a.UInt32BigEndian(); break;
                case NftTraceAttribute.Id: id = a.UInt32BigEndian(); break;
                case NftTraceAttribute.Policy: policy = a.UInt32BigEndian(); break;
                case NftTraceAttribute.InInterface: iif = a.UInt32BigEndian(); break;
                case NftTraceAttribute.OutInterface: oif = a.UInt32BigEndian(); break;
                case NftTraceAttribute.Mark: mark = a.UInt32BigEndian(); break;
                case NftTraceAttribute.NfProto: nfproto = a.UInt32BigEndian(); break;
                case NftTraceAttribute.ConntrackState: ctState = a.UInt32BigEndian(); break;
                case NftTraceAttribute.NetworkHeader: network = a.Data.ToArray(); break;
                case NftTraceAttribute.TransportHeader: transport = a.Data.ToArray(); break;
                case NftTraceAttribute.Verdict:
                {
                    var v = a.Nested();
                    while (v.Next())
                    {
                        if (v.Type == (ushort)NftVerdictAttribute.Code)
                        {
                            var raw = v.UInt32BigEndian();
                            verdict = NftVerdictCode.Normalize(unchecked((int)raw));
                        }
                        else if (v.Type == (ushort)NftVerdictAttribute.Chain)
                        {
                            jumpTarget = v.String();
                        }
                    }
                    if (v.Error is not null) a.Fail("NFTA_TRACE_VERDICT: " + v.Error);
                    break;
                }
            }
        }
        if (a.Error is not null) throw new NetlinkParseException("nft trace event: " + a.Error);
        if (id is null) throw new NetlinkParseException("nft trace event without NFTA_TRACE_ID");
        if (type is null) throw new NetlinkParseException("nft trace event without NFTA_TRACE_TYPE");
        return new NftTraceEvent
        {
            Family = nfgen.Family, Id = id.Value, Type = type.Value, Table = table, Chain = chain, RuleHandle = handle,
            VerdictCode = verdict, JumpTarget = jumpTarget, Policy = policy, InInterfaceIndex = iif, OutInterfaceIndex = oif,
            Mark = mark, NfProto = nfproto, ConntrackState = ctState, NetworkHeader = network, TransportHeader = transport,
        };
    }
}
