using NatGateway.Conntrack.Mirror.Query;
using Xunit;

namespace NatGateway.Conntrack.Mirror.Tests.Query;

public sealed class ConntrackOptionsTests
{
    [Theory]
    [InlineData("-p tcp -s 10.0.0.0/8 --dport 443 --state ESTABLISHED --status ASSURED --mark 1/0xff --zone 2 -f ipv4",
        "family ipv4 and proto tcp and src 10.0.0.0/8 and dport 443 and state established and status assured and mark 0x1/0xff and zone 2")]
    [InlineData("-f ipv6 --reply-src fd77:2::2 --reply-dst fd77:1::2", "family ipv6 and reply-src fd77:2::2 and reply-dst fd77:1::2")]
    [InlineData("--orig-src=10.77.1.2 --sport=1000-2000", "src 10.77.1.2 and sport 1000-2000")]
    [InlineData("-r 10.0.0.1 -q 10.0.0.2 --reply-port-src 53 --reply-port-dst 1024", "reply-src 10.0.0.1 and reply-dst 10.0.0.2 and reply-sport 53 and reply-dport 1024")]
    [InlineData("--status ASSURED,SEEN_REPLY", "status assured and status seen-reply")]
    [InlineData("--state SYN_SENT,SYN_RECV", "state syn_sent or state syn_recv")]
    [InlineData("-d 10.77.2.2 --filter \"status snat or status dnat\"", "dst 10.77.2.2 and (status snat or status dnat)")]
    [InlineData("-m 5 -w 7", "mark 5 and zone 7")]
    [InlineData("", "")]
    public void Conntrack_style_options_build_the_same_filter_as_the_language(string arguments, string canonical)
    {
        var args = SplitArguments(arguments);
        var filter = ConntrackOptions.ParseArguments(args).ToFilter();
        Assert.Equal(canonical, filter.ToString());
        Assert.Equal(filter, FlowFilter.Parse(canonical));
    }

    [Theory]
    [InlineData("--dport 70000", "--dport: port 70000 out of range 0-65535")]
    [InlineData("-s 10.0.0.0/33", "--src: bad CIDR '10.0.0.0/33': prefix length must be 0-32")]
    [InlineData("-p foo", "--proto: unknown protocol 'foo' (icmp, igmp, tcp, udp, dccp, gre, esp, ah, icmpv6, sctp, udplite or a number)")]
    [InlineData("--bogus 1", "unknown option '--bogus' (argument 1)")]
    [InlineData("-p tcp --dport", "option '--dport' needs a value (argument 3)")]
    [InlineData("--status ASSURED,NOPE", "--status: unknown status 'NOPE' (expected, seen-reply, unreplied, assured, confirmed, snat, dnat, nat, seq-adjust, snat-done, dnat-done, dying, fixed-timeout, template, nat-clash, helper, offload, hw-offload)")]
    public void Bad_options_name_the_option(string arguments, string message)
    {
        var error = Assert.Throws<FilterParseException>(() => ConntrackOptions.ParseArguments(SplitArguments(arguments)).ToFilter());
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Bound_options_from_a_command_line_parser_build_the_filter_too()
    {
        var options = new ConntrackOptions { Protocol = "udp", DestinationPort = "53", Family = "ipv4" };
        Assert.Equal("family ipv4 and proto udp and dport 53", options.ToFilter().ToString());
    }

    private static string[] SplitArguments(string text)
    {
        var result = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"') { quoted = !quoted; continue; }
            if (c == ' ' && !quoted) { if (current.Length > 0) result.Add(current.ToString()); current.Clear(); continue; }
            current.Append(c);
        }
        if (current.Length > 0) result.Add(current.ToString());
        return result.ToArray();
    }
}
