using NatGateway.Conntrack.Mirror.Query;
using Xunit;

namespace NatGateway.Conntrack.Mirror.Tests.Query;

public sealed class FilterParserTests
{
    [Theory]
    [InlineData("proto tcp and src 10.0.0.0/8 and dport 443 and state established", "proto tcp and src 10.0.0.0/8 and dport 443 and state established")]
    [InlineData("status snat or status dnat", "status snat or status dnat")]
    [InlineData("any 192.168.1.5", "any 192.168.1.5")]
    [InlineData("reply-src 10.0.0.1", "reply-src 10.0.0.1")]
    [InlineData("family ipv6", "family ipv6")]
    [InlineData("family inet", "family ipv4")]
    [InlineData("mark 0x10/0xff", "mark 0x10/0xff")]
    [InlineData("mark 16", "mark 16")]
    [InlineData("mark 0x10", "mark 16")]
    [InlineData("zone 3", "zone 3")]
    [InlineData("sport 1000-2000", "sport 1000-2000")]
    [InlineData("not status assured", "not status assured")]
    [InlineData("!status assured", "not status assured")]
    [InlineData("PROTO TCP", "proto tcp")]
    [InlineData("proto 6", "proto tcp")]
    [InlineData("proto 250", "proto 250")]
    [InlineData("protocol ipv6-icmp", "proto icmpv6")]
    [InlineData("state TIME_WAIT", "state time_wait")]
    [InlineData("state listen", "state syn_sent2")]
    [InlineData("status SEEN_REPLY", "status seen-reply")]
    [InlineData("status src-nat", "status snat")]
    [InlineData("status dst_nat", "status dnat")]
    [InlineData("src 10.1.2.3/8", "src 10.0.0.0/8")]
    [InlineData("dst fd77:1::/64", "dst fd77:1::/64")]
    [InlineData("src fd77:1::2", "src fd77:1::2")]
    [InlineData("src=10.0.0.1 dport=80", "src 10.0.0.1 and dport 80")]
    [InlineData("proto tcp dport 443", "proto tcp and dport 443")]
    [InlineData("proto tcp && (dport 80 || dport 443)", "proto tcp and (dport 80 or dport 443)")]
    [InlineData("(proto tcp and dport 80) or proto udp", "proto tcp and dport 80 or proto udp")]
    [InlineData("not (proto tcp or proto udp)", "not (proto tcp or proto udp)")]
    [InlineData("not not zone 1", "not not zone 1")]
    [InlineData("((zone 1))", "zone 1")]
    [InlineData("a and (b and c)", "\"a\" and \"b\" and \"c\"")]
    [InlineData("foo", "\"foo\"")]
    [InlineData("\"hello world\"", "\"hello world\"")]
    [InlineData("'it''s'", "\"it\" and \"s\"")]
    [InlineData("text \"say \\\"hi\\\"\"", "\"say \\\"hi\\\"\"")]
    [InlineData("UNREPLIED", "\"UNREPLIED\"")]
    [InlineData("id 4294967295", "id 4294967295")]
    [InlineData("port 53 and reply-dport 1-1023 and reply-sport 53", "port 53 and reply-dport 1-1023 and reply-sport 53")]
    [InlineData("host 10.77.1.2", "any 10.77.1.2")]
    [InlineData("status nat", "status nat")]
    [InlineData("status unreplied", "status unreplied")]
    public void Valid_filters_parse_to_their_canonical_text_which_parses_back_to_itself(string text, string canonical)
    {
        var filter = FlowFilter.Parse(text);
        Assert.Equal(canonical, filter.ToString());
        var again = FlowFilter.Parse(filter.ToString());
        Assert.Equal(filter, again);
        Assert.Equal(canonical, again.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void Empty_filter_matches_everything(string? text)
    {
        var filter = FlowFilter.Parse(text);
        Assert.True(filter.IsAll);
        Assert.Equal("", filter.ToString());
        Assert.Empty(filter.Conjuncts);
    }

    [Theory]
    [InlineData("prot tcp", "unknown field 'prot' at column 1; did you mean 'proto'?", 1)]
    [InlineData("proto tcp and sprot 80", "unknown field 'sprot' at column 15; did you mean 'sport'?", 15)]
    [InlineData("src 10.0.0.0/33", "bad CIDR '10.0.0.0/33': prefix length must be 0-32 at column 5", 5)]
    [InlineData("dst fd77::/129", "bad CIDR 'fd77::/129': prefix length must be 0-128 at column 5", 5)]
    [InlineData("src 10.0.0", "bad address '10.0.0' at column 5", 5)]
    [InlineData("src 10.0.0.0/x", "bad CIDR '10.0.0.0/x': prefix length must be 0-32 at column 5", 5)]
    [InlineData("dport 70000", "port 70000 out of range 0-65535 at column 7", 7)]
    [InlineData("sport 2000-1000", "port range '2000-1000' is reversed (2000 > 1000) at column 7", 7)]
    [InlineData("sport http", "bad port 'http' at column 7", 7)]
    [InlineData("proto tcpp", "unknown protocol 'tcpp' (icmp, igmp, tcp, udp, dccp, gre, esp, ah, icmpv6, sctp, udplite or a number) at column 7", 7)]
    [InlineData("proto 300", "protocol 300 out of range 0-255 at column 7", 7)]
    [InlineData("state open", "unknown TCP state 'open' (syn_sent, syn_recv, established, fin_wait, close_wait, last_ack, time_wait, close, syn_sent2) at column 7", 7)]
    [InlineData("zone 70000", "zone 70000 out of range 0-65535 at column 6", 6)]
    [InlineData("mark 0x1ff/0xff", "mark '0x1ff/0xff' can never match: value has bits outside the mask at column 6", 6)]
    [InlineData("mark abc", "bad mark 'abc' (VALUE or VALUE/MASK, decimal or 0x hex, 32 bits) at column 6", 6)]
    [InlineData("family ipx", "unknown family 'ipx' (ipv4 or ipv6) at column 8", 8)]
    [InlineData("proto", "missing value for 'proto' at column 6", 6)]
    [InlineData("proto and dport 1", "missing value for 'proto' at column 7", 7)]
    [InlineData("proto tcp and", "filter ends where a term was expected (column 14)", 14)]
    [InlineData("(proto tcp", "missing ')' for '(' at column 1", 11)]
    [InlineData("proto tcp)", "unbalanced ')' at column 10", 10)]
    [InlineData("()", "empty parentheses at column 1", 1)]
    [InlineData("\"open", "unterminated string starting at column 1", 1)]
    [InlineData("or zone 1", "expected a term at column 1 but found 'or'", 1)]
    [InlineData("prto=tcp", "unknown field 'prto' at column 1; did you mean 'proto'?", 1)]
    [InlineData("colour=red", "unknown field 'colour' at column 1; fields are family, proto, src, dst, reply-src, reply-dst, any, sport, dport, reply-sport, reply-dport, port, state, status, mark, zone, id, text", 1)]
    [InlineData("status great", "unknown status 'great' (expected, seen-reply, unreplied, assured, confirmed, snat, dnat, nat, seq-adjust, snat-done, dnat-done, dying, fixed-timeout, template, nat-clash, helper, offload, hw-offload) at column 8", 8)]
    public void Invalid_filters_report_what_is_wrong_and_where(string text, string message, int column)
    {
        var error = Assert.Throws<FilterParseException>(() => FlowFilter.Parse(text));
        Assert.Equal(message, error.Message);
        Assert.Equal(column, error.Column);
        Assert.False(FlowFilter.TryParse(text, out _, out var tryError));
        Assert.Equal(message, tryError!.Message);
    }

    [Fact]
    public void Top_level_terms_are_chips_that_can_be_added_and_removed()
    {
        var filter = FlowFilter.Parse("proto tcp and (dport 80 or dport 443) and not status assured");
        Assert.Equal(["proto tcp", "dport 80 or dport 443", "not status assured"], filter.Conjuncts.Select(c => c.ToString()));
        Assert.Equal("proto tcp and not status assured", filter.WithoutConjunct(1).ToString());
        Assert.Equal("proto tcp and (dport 80 or dport 443) and not status assured and zone 2",
            filter.And(FilterParser.Parse("zone 2")!).ToString());
        Assert.Equal("zone 2", FlowFilter.All.And(new ZoneTerm(2)).ToString());
        Assert.True(FlowFilter.Parse("zone 1").WithoutConjunct(0).IsAll);
    }

    [Fact]
    public void Terms_expose_their_field_and_value_for_chips()
    {
        var term = Assert.IsType<AddressTerm>(FlowFilter.Parse("reply-dst 203.0.113.0/24").Root);
        Assert.Equal(FilterField.ReplyDestination, term.Field);
        Assert.Equal("203.0.113.0/24", term.ValueText);
        Assert.Equal(24, term.Block.PrefixLength);
    }

    [Theory]
    [InlineData("(", ")")]
    [InlineData("not ", "")]
    public void Nesting_is_limited_so_a_hostile_filter_is_a_parse_error_not_a_stack_overflow(string open, string close)
    {
        string Nested(int depth) => string.Concat(Enumerable.Repeat(open, depth)) + "proto tcp" + string.Concat(Enumerable.Repeat(close, depth));
        Assert.NotNull(FilterParser.Parse(Nested(FilterParser.MaxNesting)));
        foreach (var depth in new[] { FilterParser.MaxNesting + 1, 5_000 })
        {
            var e = Assert.Throws<FilterParseException>(() => FilterParser.Parse(Nested(depth)));
            Assert.Contains("more than 64 deep", e.Message);
            Assert.Equal(FilterParser.MaxNesting * open.Length + 1, e.Column);
        }
    }
}
