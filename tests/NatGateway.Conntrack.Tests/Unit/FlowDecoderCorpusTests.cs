using NatGateway.Conntrack.Kernel;
using NatGateway.Netlink;
using Xunit;

namespace NatGateway.Conntrack.Tests.Unit;

/// <summary>Table-driven decoding of captured kernel messages.</summary>
public sealed class FlowDecoderCorpusTests
{
    public static TheoryData<string, string, string> Expected => new()
    {
        // corpus, expected original tuple (FlowTuple.ToString), expected reply tuple
        { nameof(Corpus.Icmp), "icmp 10.9.0.1 -> 10.9.0.2 type=8 code=0 id=77", "icmp 10.9.0.2 -> 10.9.0.1 type=0 code=0 id=77" },
        { nameof(Corpus.UnknownProtocol), "proto 253 10.9.0.1 -> 10.9.0.2", "proto 253 10.9.0.2 -> 10.9.0.1" },
        { nameof(Corpus.UdpSourceNat), "udp 192.168.1.10:5000 -> 10.9.0.2:53", "udp 10.9.0.2:53 -> 203.0.113.1:61000" },
        { nameof(Corpus.TcpEstablished), "tcp 10.9.0.1:1000 -> 10.9.0.2:80", "tcp 10.9.0.2:80 -> 10.9.0.1:1000" },
        { nameof(Corpus.IcmpV6), "icmpv6 fd00::1 -> fd00::2 type=128 code=0 id=9", "icmpv6 fd00::2 -> fd00::1 type=129 code=0 id=9" },
    };

    private static string Hex(string name) => (string)typeof(Corpus).GetField(name)!.GetValue(null)!;

    [Theory]
    [MemberData(nameof(Expected))]
    public void Decodes_tuples(string corpus, string original, string reply)
    {
        var flow = FlowDecoder.Decode(Corpus.Payload(Hex(corpus)));
        Assert.Equal(original, flow.Original.ToString());
        Assert.Equal(reply, flow.Reply.ToString());
        Assert.True((flow.Present & (FlowFields.Original | FlowFields.Reply | FlowFields.Status | FlowFields.Timeout | FlowFields.Id | FlowFields.Use | FlowFields.Counters | FlowFields.Timestamp)) ==
                    (FlowFields.Original | FlowFields.Reply | FlowFields.Status | FlowFields.Timeout | FlowFields.Id | FlowFields.Use | FlowFields.Counters | FlowFields.Timestamp));
        Assert.Equal(1u, flow.Use);
        Assert.Equal(0u, flow.OriginalCounters.Packets);
    }

    [Fact]
    public void Tcp_entry_has_state_mark_assured_and_timestamp()
    {
        var flow = FlowDecoder.Decode(Corpus.Payload(Corpus.TcpEstablished));
        Assert.Equal(IPFamily.IPv4, flow.Family);
        Assert.Equal(TcpState.Established, flow.TcpState);
        Assert.Equal(FlowStatus.SeenReply | FlowStatus.Assured | FlowStatus.Confirmed, flow.Status);
        Assert.Equal(5u, flow.Mark);
        Assert.Equal(293u, flow.Timeout);
        Assert.Equal(0xbc99556du, flow.Id);
        Assert.Equal(10, flow.Tcp.FlagsOriginal);
        Assert.Equal(2026, flow.Start!.Value.Year);
    }

    [Fact]
    public void Snat_entry_shows_translation_in_reply_tuple()
    {
        var flow = FlowDecoder.Decode(Corpus.Payload(Corpus.UdpSourceNat));
        // Made by conntrack -I with an explicit reply tuple: the kernel keeps the translated reply tuple but
        // does not let ctnetlink set SRC_NAT without NAT setup, so the status is SEEN_REPLY|CONFIRMED.
        Assert.Equal(FlowStatus.SeenReply | FlowStatus.Confirmed, flow.Status);
        Assert.NotEqual(flow.Original.Source, flow.Reply.Destination);
        Assert.False(flow.IsUnreplied);
        Assert.Equal(NetAddress.Parse("203.0.113.1"), flow.Reply.Destination);
        Assert.Equal(61000, flow.Reply.DestinationPort);
    }

    [Fact]
    public void Ipv6_addresses_round_trip()
    {
        var flow = FlowDecoder.Decode(Corpus.Payload(Corpus.IcmpV6));
        Assert.Equal(IPFamily.IPv6, flow.Family);
        Assert.Equal(IPProtocol.IcmpV6, flow.Protocol);
        Assert.Equal("fd00::1", flow.Original.Source.ToString());
        Assert.Equal(System.Net.IPAddress.Parse("fd00::2"), flow.Original.Destination.ToIPAddress());
    }

    [Fact]
    public void Hand_built_message_with_counters_labels_zone_and_stop_time()
    {
        var w = new AttributeWriter();
        w.WriteRaw([2, 0, 0, 0]); // nfgenmsg AF_INET
        RequestEncoder.WriteTuple(w, CtAttr.TupleOrig, FlowTuple.Create(IPProtocol.Sctp, "10.0.0.1", 1, "10.0.0.2", 2));
        RequestEncoder.WriteTuple(w, CtAttr.TupleReply, FlowTuple.Create(IPProtocol.Sctp, "10.0.0.2", 2, "10.0.0.1", 1));
        using (w.Nested((ushort)CtAttr.CountersOrig))
        {
            w.UInt64BigEndian((ushort)CtCountersAttr.Packets, 12);
            w.UInt64BigEndian((ushort)CtCountersAttr.Bytes, 3400);
        }
        using (w.Nested((ushort)CtAttr.CountersReply))
        {
            w.UInt64BigEndian((ushort)CtCountersAttr.Packets, 7);
            w.UInt64BigEndian((ushort)CtCountersAttr.Bytes, 900);
        }
        w.UInt16BigEndian((ushort)CtAttr.Zone, 9);
        var labels = new byte[16];
        labels[0] = 0b101;
        labels[15] = 0x80;
        w.Bytes((ushort)CtAttr.Labels, labels);
        using (w.Nested((ushort)CtAttr.Timestamp))
        {
            w.UInt64BigEndian((ushort)CtTimestampAttr.Start, 1_000_000_000UL * 100);
            w.UInt64BigEndian((ushort)CtTimestampAttr.Stop, 1_000_000_000UL * 160);
        }
        using (w.Nested((ushort)CtAttr.ProtoInfo))
        using (w.Nested((ushort)CtProtoInfoAttr.Sctp))
            w.UInt8(1, 3); // COOKIE_ECHOED
        w.Bytes(999, [1, 2, 3]); // unknown attribute: skipped

        var flow = FlowDecoder.Decode(w.WrittenSpan);
        Assert.Equal(new FlowCounters(12, 3400), flow.OriginalCounters);
        Assert.Equal(new FlowCounters(7, 900), flow.ReplyCounters);
        Assert.Equal(9, flow.Zone);
        Assert.Equal([0, 2, 127], flow.Labels.SetBits());
        Assert.Equal(60UL * 1_000_000_000, flow.StopNanoseconds - flow.StartNanoseconds);
        Assert.Equal(3, flow.SctpState);
        Assert.Equal(
            "ipv4     2 sctp     132 COOKIE_ECHOED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 packets=12 bytes=3400 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 packets=7 bytes=900 zone=9 delta-time=60",
            FlowFormatter.ToExtendedText(flow));
    }

    [Fact]
    public void Truncated_message_gives_a_clear_error()
    {
        var payload = Corpus.Payload(Corpus.TcpEstablished);
        var e = Assert.Throws<NetlinkParseException>(() => FlowDecoder.Decode(payload.AsSpan(0, 60)));
        Assert.Contains("length", e.Message);
    }
}
