using NatGateway.Conntrack.Kernel;
using NatGateway.Netlink;
using Xunit;

namespace NatGateway.Conntrack.Tests.Unit;

/// <summary>
/// Golden bytes for every request ConntrackClient sends (sequence 1, port 0), in the style of google/nftables'
/// nftest. Each case names the conntrack(8) command that sends the same request; where conntrack-tools 1.4.7
/// sends identical bytes (checked with `strace -e sendto -xx conntrack ...`) the comment says "identical".
/// Spaces separate nlmsghdr | nfgenmsg | attributes for reading.
/// </summary>
public sealed class GoldenRequestTests
{
    private static string Encode(Action<AttributeWriter> build)
    {
        var w = new AttributeWriter();
        build(w);
        return Convert.ToHexString(w.WrittenSpan).ToLowerInvariant();
    }

    private static void AssertGolden(string expected, Action<AttributeWriter> build)
    {
        var actual = Encode(build);
        Assert.True(expected.Replace(" ", "") == actual, $"golden mismatch, actual:\n{Group(actual)}");
    }

    /// <summary>nlmsghdr, nfgenmsg, then 32-bit words, for readable failure messages.</summary>
    private static string Group(string hex) =>
        hex[..32] + " " + hex[32..40] + " " + string.Join(' ', Enumerable.Range(0, (hex.Length - 40) / 8).Select(i => hex.Substring(40 + i * 8, 8)));

    private static readonly FlowTuple TcpTuple = FlowTuple.Create(IPProtocol.Tcp, "10.9.0.1", 1000, "10.9.0.2", 80);

    // The original tuple exactly as conntrack -G/-D -p tcp -s 10.9.0.1 -d 10.9.0.2 --sport 1000 --dport 80 encodes it.
    private const string TcpOrigTuple = "34000180 14000180 08000100 0a090001 08000200 0a090002 1c000280 05000100 06000000 06000200 03e80000 06000300 00500000";

    [Fact] // conntrack -L  (identical)
    public void Dump_all_families() =>
        AssertGolden("14000000 0101 0103 01000000 00000000 | 00 00 0000".Replace("|", ""), w => RequestEncoder.Dump(w, 1, IPFamily.Any, null));

    [Fact] // conntrack -L -f ipv4  (identical)
    public void Dump_ipv4() =>
        AssertGolden("14000000 0101 0103 01000000 00000000 02 00 0000", w => RequestEncoder.Dump(w, 1, IPFamily.IPv4, null));

    [Fact] // conntrack -L -f ipv6  (identical)
    public void Dump_ipv6() =>
        AssertGolden("14000000 0101 0103 01000000 00000000 0a 00 0000", w => RequestEncoder.Dump(w, 1, IPFamily.IPv6, null));

    [Fact] // conntrack -L -m 5/0xff  (identical: CTA_MARK 5, CTA_MARK_MASK 0xff)
    public void Dump_with_mark_filter() =>
        AssertGolden("24000000 0101 0103 01000000 00000000 00 00 0000 08000800 00000005 08001500 000000ff",
            w => RequestEncoder.Dump(w, 1, IPFamily.Any, new DumpFilter { Mark = 5, MarkMask = 0xff }));

    [Fact] // conntrack -L -s 10.0.0.5 -p tcp --dport 80: conntrack filters in userspace; we ask the kernel
           // (CTA_TUPLE_ORIG with only the fields to compare + CTA_FILTER{ORIG_FLAGS=IP_SRC|PROTO_NUM|DST_PORT, REPLY_FLAGS=0}).
    public void Dump_with_tuple_filter() =>
        AssertGolden("4c000000 0101 0103 01000000 00000000 02 00 0000" +
                     " 24000180 0c000180 08000100 0a000005 14000280 05000100 06000000 06000300 00500000" +
                     " 14001980 08000100 29000000 08000200 00000000",
            w => RequestEncoder.Dump(w, 1, IPFamily.IPv4, new DumpFilter
            {
                Original = new TupleFilter { Source = NetAddress.Parse("10.0.0.5"), Protocol = IPProtocol.Tcp, DestinationPort = 80 },
            }));

    [Fact] // conntrack -F  (identical)
    public void Flush_all() =>
        AssertGolden("14000000 0201 0500 01000000 00000000 00 00 0000", w => RequestEncoder.Flush(w, 1, IPFamily.Any, null));

    [Fact] // conntrack -F -f ipv6: conntrack sends version 0, which makes the kernel flush BOTH families;
           // we send nfgenmsg version 1 so the kernel honours the family.
    public void Flush_one_family_uses_version_1() =>
        AssertGolden("14000000 0201 0500 01000000 00000000 0a 01 0000", w => RequestEncoder.Flush(w, 1, IPFamily.IPv6, null));

    [Fact] // conntrack -D -m 1 without the dump: a kernel-side filtered flush (version 1 + CTA_MARK/CTA_MARK_MASK)
    public void Flush_by_mark() =>
        AssertGolden("24000000 0201 0500 01000000 00000000 02 01 0000 08000800 00000001 08001500 ffffffff",
            w => RequestEncoder.Flush(w, 1, IPFamily.IPv4, new DumpFilter { Mark = 1 }));

    [Fact] // conntrack -G -p tcp -s 10.9.0.1 -d 10.9.0.2 --sport 1000 --dport 80 (identical tuple; conntrack also
           // appends an empty TCP protoinfo the kernel ignores for GET)
    public void Get_by_tuple() =>
        AssertGolden("48000000 0101 0500 01000000 00000000 02 00 0000 " + TcpOrigTuple,
            w => RequestEncoder.Get(w, 1, TcpTuple, 0));

    [Fact] // conntrack -D -p tcp -s 10.9.0.1 -d 10.9.0.2 --sport 1000 --dport 80 (same original tuple; conntrack
           // re-sends every dumped attribute, we add only CTA_ID so a newer entry with the same tuple survives)
    public void Delete_by_tuple_and_id() =>
        AssertGolden("50000000 0201 0500 01000000 00000000 02 00 0000 " + TcpOrigTuple + " 08000c00 bc99556d",
            w => RequestEncoder.Delete(w, 1, TcpTuple, 0, 0xbc99556d));

    [Fact] // conntrack -I -p tcp -s 10.9.0.1 -d 10.9.0.2 --sport 1000 --dport 80 -t 300 --state ESTABLISHED -u ASSURED,SEEN_REPLY -m 5
           // (same tuples, CTA_STATUS 0x0e and CTA_TIMEOUT as conntrack; conntrack also sends TCP window flags)
    public void Create_tcp() =>
        AssertGolden("a4000000 0001 0506 01000000 00000000 02 00 0000 " + TcpOrigTuple +
                     " 34000280 14000180 08000100 0a090002 08000200 0a090001 1c000280 05000100 06000000 06000200 00500000 06000300 03e80000" +
                     " 08000300 0000000e 08000700 0000012c 08000800 00000005 10000480 0c000180 05000100 03000000",
            w => RequestEncoder.Create(w, 1, Flow.ForCreate(TcpTuple, 300, mark: 5)));

    [Fact] // conntrack -I -s fd00::1 -d fd00::2 -p udp --sport 5 --dport 6 -t 30 -w 4
    public void Create_udp6_in_zone() =>
        AssertGolden("bc000000 0001 0506 01000000 00000000 0a 00 0000" +
                     " 4c000180 2c000180 14000300 fd000000 00000000 00000000 00000001 14000400 fd000000 00000000 00000000 00000002 1c000280 05000100 11000000 06000200 00050000 06000300 00060000" +
                     " 4c000280 2c000180 14000300 fd000000 00000000 00000000 00000002 14000400 fd000000 00000000 00000000 00000001 1c000280 05000100 11000000 06000200 00060000 06000300 00050000" +
                     " 08000700 0000001e 06001200 00040000",
            w => RequestEncoder.Create(w, 1, Flow.ForCreate(FlowTuple.Create(IPProtocol.Udp, "fd00::1", 5, "fd00::2", 6), 30, FlowStatus.None) with { Zone = 4 }));

    [Fact] // conntrack -I -p icmp -s 10.9.0.1 -d 10.9.0.2 --icmp-type 8 --icmp-code 0 --icmp-id 77 -t 30
    public void Create_icmp() =>
        AssertGolden("94000000 0001 0506 01000000 00000000 02 00 0000" +
                     " 3c000180 14000180 08000100 0a090001 08000200 0a090002 24000280 05000100 01000000 05000500 08000000 05000600 00000000 06000400 004d0000" +
                     " 3c000280 14000180 08000100 0a090002 08000200 0a090001 24000280 05000100 01000000 05000500 00000000 05000600 00000000 06000400 004d0000" +
                     " 08000700 0000001e",
            w => RequestEncoder.Create(w, 1, Flow.ForCreate(FlowTuple.CreateIcmp(NetAddress.Parse("10.9.0.1"), NetAddress.Parse("10.9.0.2"), 8, 0, 77), 30, FlowStatus.None)));

    [Fact] // conntrack -C  (identical)
    public void Count() =>
        AssertGolden("14000000 0501 0100 01000000 00000000 00 00 0000", w => RequestEncoder.Count(w, 1));

    [Fact] // conntrack -S  (identical)
    public void Stats_per_cpu() =>
        AssertGolden("14000000 0401 0103 01000000 00000000 00 00 0000", w => RequestEncoder.StatsPerCpu(w, 1));

    [Fact] // conntrack -C with NLM_F_ACK: ends every Create/Delete batch datagram
    public void Batch_end_marker() =>
        AssertGolden("14000000 0501 0500 01000000 00000000 00 00 0000", w => RequestEncoder.BatchEndMarker(w, 1));

    [Fact] // conntrack -D ... for two entries, packed into one sendmsg without NLM_F_ACK, then the marker
    public void Batched_deletes_share_one_datagram()
    {
        var hex = Encode(w =>
        {
            RequestEncoder.Delete(w, 1, TcpTuple, 0, null, ack: false);
            RequestEncoder.Delete(w, 2, TcpTuple with { SourcePort = 1001 }, 0, null, ack: false);
            RequestEncoder.BatchEndMarker(w, 3);
        });
        var reader = new NetlinkMessageReader(Convert.FromHexString(hex));
        var headers = new List<NetlinkMessageHeader>();
        while (reader.Next()) headers.Add(reader.Header);
        Assert.Null(reader.Error);
        Assert.Equal([1u, 2u, 3u], headers.Select(h => h.Sequence));
        Assert.Equal([NetlinkMessageFlags.Request, NetlinkMessageFlags.Request, NetlinkMessageFlags.Request | NetlinkMessageFlags.Ack], headers.Select(h => h.Flags));
        Assert.StartsWith("48000000 0201 0100 01000000 00000000 02 00 0000 ".Replace(" ", "") + TcpOrigTuple.Replace(" ", ""), hex);
    }
}
