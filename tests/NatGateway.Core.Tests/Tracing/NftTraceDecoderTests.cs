using NatGateway.Netlink;
using NatGateway.Netlink.Netfilter;
using Xunit;

namespace NatGateway.Core.Tests.Tracing;

/// <summary>
/// NFT_MSG_TRACE decoding against bytes captured from the kernel (6.18, a lab namespace: a TCP SYN from 10.77.1.2 to
/// 10.77.1.1:8080 through <c>table ip natgw</c>'s DNAT to 10.77.2.2:80, and a SYN to 10.77.2.2:81 dropped by a
/// foreign <c>table inet filter</c>), read from a socket bound to NFNLGRP_NFTRACE while <c>nft monitor trace</c>
/// printed the same events.
/// </summary>
public sealed class NftTraceDecoderTests
{
    private static byte[] Hex(params string[] lines) => Convert.FromHexString(string.Concat(lines));

    // nft monitor trace: trace id 1b18b1bd ip natgw prerouting rule iifname "lan0" tcp dport 8080 counter packets 0 bytes 0
    //                    dnat to 10.77.2.2:80 comment "11111111-2222-3333-4444-555555555555 web" (verdict accept)
    private static readonly byte[] DnatRule = Hex(
        "d4000000110a00000000000000000000", // nlmsghdr: len 212, type 0x0a11 (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_TRACE 17), no flags, seq 0, pid 0
        "02000000",                         // nfgenmsg: family NFPROTO_IPV4 (the table's family), v0, res_id 0
        "08000f0000000002",                 // NFTA_TRACE_NFPROTO 2 (ipv4)
        "0800040000000003",                 // NFTA_TRACE_TYPE 3 (NFT_TRACETYPE_RULE)
        "080006001b18b1bd",                 // NFTA_TRACE_ID 0x1b18b1bd
        "0f000200707265726f7574696e670000", // NFTA_TRACE_CHAIN "prerouting"
        "0a0001006e61746777000000",         // NFTA_TRACE_TABLE "natgw"
        "0c0003000000000000000002",         // NFTA_TRACE_RULE_HANDLE 2 (be64)
        "0c0005000800010000000001",         // NFTA_TRACE_VERDICT { NFTA_VERDICT_CODE 1 (NF_ACCEPT) }
        "08000a0000000002",                 // NFTA_TRACE_IIF 2 (lan0)
        "06000b0000010000",                 // NFTA_TRACE_IIFTYPE 1 (ARPHRD_ETHER)
        "180008004500003cbb464000400668d90a4d01020a4d0101", // NFTA_TRACE_NETWORK_HEADER: IPv4 10.77.1.2 -> 10.77.1.1, tcp
        "18000900d22e1f90aab429d900000000a002faf016cb0000", // NFTA_TRACE_TRANSPORT_HEADER: sport 53806 dport 8080, SYN
        "12000700fa59e3c52d4a3aecb80a95fb08000000",         // NFTA_TRACE_LL_HEADER: ethernet
        "0800150000000008",                 // 21 NFTA_TRACE_CT_STATE 8 (new) — newer than Debian 12's uapi header
        "0500130000000000",                 // 19 NFTA_TRACE_CT_DIRECTION 0 (original)
        "08001200e57894b4",                 // 18 NFTA_TRACE_CT_ID
        "0800140000000120");                // 20 NFTA_TRACE_CT_STATUS

    // nft monitor trace: trace id 55138779 inet filter forward rule tcp dport 81 counter packets 0 bytes 0 drop (verdict drop)
    private static readonly byte[] ForeignDrop = Hex(
        "e0000000110a00000000000000000000",
        "01000000",                         // nfgenmsg: family NFPROTO_INET
        "08000f0000000002",                 // NFTA_TRACE_NFPROTO 2: an inet chain reports the packet's protocol
        "0800040000000003",                 // NFT_TRACETYPE_RULE
        "0800060055138779",                 // id
        "0c000200666f727761726400",         // chain "forward"
        "0b00010066696c7465720000",         // table "filter"
        "0c0003000000000000000002",         // rule handle 2
        "0c0005000800010000000000",         // verdict NF_DROP
        "08000a0000000002", "06000b0000010000", // iif 2
        "08000c0000000003", "06000d0000010000", // NFTA_TRACE_OIF 3 (wan0), OIFTYPE ether
        "180008004500003c362340003f06edfb0a4d01020a4d0202",
        "18000900bb7c0051dfaa8bf400000000a002faf017cc0000",
        "12000700fa59e3c52d4a3aecb80a95fb08000000",
        "0800150000000008", "0500130000000000", "080012009962ac53", "0800140000000100");

    // nft monitor trace: trace id 1b18b1bd inet natgw_trace trace policy accept
    private static readonly byte[] PolicyAccept = Hex(
        "50000000110a00000000000000000000",
        "01000000",
        "08000f0000000002",
        "0800040000000001",                 // NFT_TRACETYPE_POLICY
        "080006001b18b1bd",
        "0a0002007472616365000000",         // chain "trace"
        "100001006e617467775f747261636500", // table "natgw_trace"
        "0800100000000001");                // NFTA_TRACE_POLICY NF_ACCEPT

    [Fact]
    public void A_dnat_rule_event_decodes_with_handle_verdict_interface_and_headers()
    {
        var events = NftTraceListener.DecodeDatagram(DnatRule);
        var e = Assert.Single(events);
        Assert.Equal((byte)2, e.Family);
        Assert.Equal(0x1b18b1bdu, e.Id);
        Assert.Equal(NftTraceType.Rule, e.Type);
        Assert.Equal(("natgw", "prerouting", (ulong?)2), (e.Table, e.Chain, e.RuleHandle));
        Assert.Equal(NftVerdictCode.Accept, e.VerdictCode);
        Assert.Equal(NftVerdictCode.Accept, e.Decision);
        Assert.Null(e.JumpTarget);
        Assert.Equal(2u, e.InInterfaceIndex);
        Assert.Null(e.OutInterfaceIndex);
        Assert.Equal(2u, e.NfProto);
        Assert.Equal(8u, e.ConntrackState);
        Assert.Equal(20, e.NetworkHeader!.Length);
        Assert.Equal(new byte[] { 10, 77, 1, 2 }, e.NetworkHeader[12..16]);
        Assert.Equal(8080, (e.TransportHeader![2] << 8) | e.TransportHeader[3]);
    }

    [Fact]
    public void A_drop_in_a_foreign_inet_table_names_table_chain_and_rule()
    {
        var e = Assert.Single(NftTraceListener.DecodeDatagram(ForeignDrop));
        Assert.Equal((byte)1, e.Family);
        Assert.Equal(("filter", "forward", (ulong?)2), (e.Table, e.Chain, e.RuleHandle));
        Assert.Equal(NftVerdictCode.Drop, e.Decision);
        Assert.Equal(3u, e.OutInterfaceIndex);
    }

    [Fact]
    public void A_policy_event_carries_the_policy_and_no_rule()
    {
        var e = Assert.Single(NftTraceListener.DecodeDatagram(PolicyAccept));
        Assert.Equal(NftTraceType.Policy, e.Type);
        Assert.Null(e.RuleHandle);
        Assert.Null(e.VerdictCode);
        Assert.Equal(1u, e.Policy);
        Assert.Equal(NftVerdictCode.Accept, e.Decision);
        Assert.Equal(("natgw_trace", "trace"), (e.Table, e.Chain));
    }

    [Fact]
    public void Several_events_in_one_datagram_decode_in_order()
    {
        var events = NftTraceListener.DecodeDatagram([.. PolicyAccept, .. DnatRule]);
        Assert.Equal([NftTraceType.Policy, NftTraceType.Rule], events.Select(e => e.Type));
    }

    [Fact]
    public void Jump_verdicts_carry_the_target_chain_and_negative_codes_stay_negative()
    {
        var writer = new AttributeWriter();
        writer.BeginNetfilterMessage(NetfilterSubsystem.Nftables, NftMessage.Trace, 0, 0, family: 1);
        writer.UInt32BigEndian((ushort)NftTraceAttribute.Type, (uint)NftTraceType.Rule);
        writer.UInt32BigEndian((ushort)NftTraceAttribute.Id, 7);
        writer.UInt64BigEndian((ushort)NftTraceAttribute.RuleHandle, 9);
        using (writer.Nested((ushort)NftTraceAttribute.Verdict))
        {
            writer.UInt32BigEndian((ushort)NftVerdictAttribute.Code, unchecked((uint)NftVerdictCode.Jump));
            writer.String((ushort)NftVerdictAttribute.Chain, "lb_web");
        }
        writer.EndMessage();
        var e = Assert.Single(NftTraceListener.DecodeDatagram(writer.WrittenSpan));
        Assert.Equal(NftVerdictCode.Jump, e.VerdictCode);
        Assert.Equal("lb_web", e.JumpTarget);
    }

    [Fact]
    public void Drop_with_an_errno_is_still_a_drop()
    {
        // NF_DROP_ERR(-EPERM) = ((1 << 16) | NF_DROP): the low byte is the verdict (NF_VERDICT_MASK).
        Assert.Equal(NftVerdictCode.Drop, NftVerdictCode.Normalize((1 << 16) | 0));
    }

    [Fact]
    public void Malformed_events_raise_a_parse_error_naming_the_problem()
    {
        var truncated = DnatRule.ToArray();
        truncated[20 + 8 + 8] = 0xff; // the length of NFTA_TRACE_ID's header now runs past the message
        Assert.Throws<NetlinkParseException>(() => NftTraceListener.DecodeDatagram(truncated));

        var noId = Hex("1c000000110a00000000000000000000", "01000000", "0800040000000003");
        var error = Assert.Throws<NetlinkParseException>(() => NftTraceListener.DecodeDatagram(noId));
        Assert.Contains("NFTA_TRACE_ID", error.Message);
    }

    [Fact]
    public void Other_nfnetlink_messages_are_skipped()
    {
        // A ctnetlink NEW (subsystem 1) in the same datagram is not a trace event.
        var other = Hex("14000000000100000000000000000000", "02000000");
        Assert.Single(NftTraceListener.DecodeDatagram([.. other, .. DnatRule]));
    }
}
