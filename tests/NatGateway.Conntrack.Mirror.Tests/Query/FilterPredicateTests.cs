using NatGateway.Conntrack.Mirror.Query;
using Xunit;
using static NatGateway.Conntrack.Mirror.Tests.SyntheticFlows;

namespace NatGateway.Conntrack.Mirror.Tests.Query;

public sealed class FilterPredicateTests
{
    private static readonly Flow WebSnat = Tcp(1, "10.77.1.2", 40000, "10.77.2.2", 443, replyDestination: "10.77.2.1",
        status: FlowStatus.Assured | FlowStatus.SeenReply | FlowStatus.Confirmed | FlowStatus.SourceNat, mark: 0x1234, zone: 3);
    private static readonly Flow DnsUnreplied = Udp(2, "10.0.0.5", 5353, "192.168.1.5", 53, status: FlowStatus.Confirmed);
    private static readonly Flow PortForward = Tcp(3, "198.51.100.7", 50000, "10.77.2.1", 8080, TcpState.SynSent,
        FlowStatus.Confirmed | FlowStatus.DestinationNat, replySource: "10.77.1.2");
    private static readonly Flow Ping = Icmp(4, "10.77.1.2", "10.77.2.2", 777);
    private static readonly Flow Web6 = Tcp(5, "fd77:1::2", 41000, "fd77:2::2", 80, TcpState.TimeWait);

    private static readonly Flow[] All = [WebSnat, DnsUnreplied, PortForward, Ping, Web6];

    [Theory]
    [InlineData("proto tcp", new uint[] { 1, 3, 5 })]
    [InlineData("proto tcp and src 10.0.0.0/8 and dport 443 and state established", new uint[] { 1 })]
    [InlineData("status snat or status dnat", new uint[] { 1, 3 })]
    [InlineData("status nat", new uint[] { 1, 3 })]
    [InlineData("any 192.168.1.5", new uint[] { 2 })]
    [InlineData("any 10.77.1.2", new uint[] { 1, 3, 4 })]
    [InlineData("reply-src 10.77.1.2", new uint[] { 3 })]
    [InlineData("reply-dst 10.77.2.1", new uint[] { 1 })]
    [InlineData("dst 10.77.2.1", new uint[] { 3 })]
    [InlineData("family ipv6", new uint[] { 5 })]
    [InlineData("family ipv4", new uint[] { 1, 2, 3, 4 })]
    [InlineData("src fd77:1::/64", new uint[] { 5 })]
    [InlineData("any fd77:2::2", new uint[] { 5 })]
    [InlineData("src 0.0.0.0/0", new uint[] { 1, 2, 3, 4 })]
    [InlineData("mark 0x34/0xff", new uint[] { 1 })]
    [InlineData("mark 0", new uint[] { 2, 3, 4, 5 })]
    [InlineData("mark 4660", new uint[] { 1 })]
    [InlineData("zone 3", new uint[] { 1 })]
    [InlineData("sport 1000-45000", new uint[] { 1, 2, 5 })]
    [InlineData("sport 6000-45000", new uint[] { 1, 5 })]
    [InlineData("port 53", new uint[] { 2 })]
    [InlineData("reply-sport 8080", new uint[] { 3 })]
    [InlineData("reply-dport 5353", new uint[] { 2 })]
    [InlineData("dport 0-65535", new uint[] { 1, 2, 3, 5 })]
    [InlineData("not status assured", new uint[] { 2, 3, 4 })]
    [InlineData("status unreplied", new uint[] { 2, 3 })]
    [InlineData("status seen-reply", new uint[] { 1, 4, 5 })]
    [InlineData("state time_wait", new uint[] { 5 })]
    [InlineData("state syn_sent or proto icmp", new uint[] { 3, 4 })]
    [InlineData("id 4", new uint[] { 4 })]
    [InlineData("proto icmp and not (any 10.77.2.2)", new uint[] { })]
    [InlineData("UNREPLIED", new uint[] { 2, 3 })]
    [InlineData("\"dport=443\"", new uint[] { 1 })]
    [InlineData("established", new uint[] { 1 })]
    [InlineData("\"id=777\"", new uint[] { 4 })]
    [InlineData("fd77:2::2", new uint[] { 5 })]
    [InlineData("text \"type=8 code=0\"", new uint[] { 4 })]
    [InlineData("", new uint[] { 1, 2, 3, 4, 5 })]
    public void Filters_select_the_flows_they_describe(string text, uint[] expectedIds)
    {
        var filter = FlowFilter.Parse(text);
        Assert.Equal(expectedIds, All.Where(filter.ToPredicate()).Select(f => f.Id).ToArray());
    }

    [Fact]
    public void Free_text_searches_the_same_line_conntrack_list_prints()
    {
        var line = FlowFormatter.ToExtendedText(WebSnat, includeId: true);
        Assert.Contains("src=10.77.1.2", line);
        var piece = line.Substring(line.IndexOf("sport=", StringComparison.Ordinal), 20);
        Assert.True(FlowFilter.Parse(new TextTerm(piece).ToString()).Matches(WebSnat));
        Assert.False(FlowFilter.Parse(new TextTerm(piece).ToString()).Matches(DnsUnreplied));
    }

    [Fact]
    public void Kernel_pushdown_takes_only_exact_top_level_terms()
    {
        var request = FlowFilter.Parse("proto tcp and src 10.77.1.2 and dst 10.77.2.0/24 and dport 443 and sport 1-2 and mark 0x10/0xff and zone 3").KernelFilter;
        Assert.Equal(IPFamily.IPv4, request.Family);
        var filter = Assert.IsType<DumpFilter>(request.Filter);
        Assert.Equal(0x10u, filter.Mark);
        Assert.Equal(0xffu, filter.MarkMask);
        Assert.Equal((ushort)3, filter.Zone);
        var original = Assert.IsType<TupleFilter>(filter.Original);
        Assert.Equal(IPProtocol.Tcp, original.Protocol);
        Assert.Equal(NetAddress.Parse("10.77.1.2"), original.Source);
        Assert.Null(original.Destination);
        Assert.Equal((ushort)443, original.DestinationPort);
        Assert.Null(original.SourcePort);
    }

    [Theory]
    [InlineData("proto tcp and src 10.77.1.2 and dport 443 and mark 0x34/0xff and zone 3")]
    [InlineData("family ipv6 and proto tcp and dport 80")]
    [InlineData("dst 10.77.2.2 and proto icmp")]
    [InlineData("reply-dst 10.77.2.1 and proto tcp and reply-sport 443")]
    [InlineData("proto udp and sport 5353 and status unreplied")]
    public void Kernel_pushdown_keeps_every_flow_the_full_filter_matches(string text)
    {
        var filter = FlowFilter.Parse(text);
        var request = filter.KernelFilter;
        var matched = All.Where(filter.ToPredicate()).ToList();
        Assert.NotEmpty(matched);
        foreach (var flow in matched)
        {
            Assert.True(request.Family == IPFamily.Any || request.Family == flow.Family);
            Assert.True(request.Filter is null || request.Filter.Matches(flow));
        }
        // and it does narrow: some flow is dropped by the kernel side already.
        Assert.Contains(All, f => (request.Family != IPFamily.Any && request.Family != f.Family) || request.Filter?.Matches(f) == false);
    }

    [Fact]
    public void Kernel_pushdown_includes_the_reply_tuple()
    {
        var request = FlowFilter.Parse("proto tcp and reply-src 10.77.1.2 and reply-sport 8080 and dport 8080").KernelFilter;
        var filter = Assert.IsType<DumpFilter>(request.Filter);
        Assert.Equal(NetAddress.Parse("10.77.1.2"), filter.Reply!.Source);
        Assert.Equal((ushort)8080, filter.Reply.SourcePort);
        Assert.Equal((ushort)8080, filter.Original!.DestinationPort);
        Assert.True(filter.Matches(PortForward));
        Assert.False(filter.Matches(WebSnat));
    }

    [Theory]
    [InlineData("proto tcp or zone 1")]
    [InlineData("not mark 1")]
    [InlineData("src 10.0.0.0/8 and dport 1-5")]
    [InlineData("dport 80")]
    [InlineData("")]
    public void Filters_without_exact_top_level_terms_push_nothing_down(string text)
    {
        var request = FlowFilter.Parse(text).KernelFilter;
        Assert.Equal(IPFamily.Any, request.Family);
        Assert.Null(request.Filter);
    }

    [Fact]
    public void Contradicting_families_are_left_to_the_predicate()
    {
        var request = FlowFilter.Parse("family ipv6 and src 10.0.0.1").KernelFilter;
        Assert.Equal(IPFamily.IPv6, request.Family);
        Assert.Null(request.Filter);
        Assert.False(FlowFilter.Parse("family ipv6 and src 10.0.0.1").Matches(WebSnat));
    }
}
