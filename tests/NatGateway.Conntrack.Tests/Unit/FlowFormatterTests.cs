using NatGateway.Conntrack.Kernel;
using Xunit;

namespace NatGateway.Conntrack.Tests.Unit;

/// <summary>The text must equal what `conntrack -L -o extended` printed for the same captured message.</summary>
public sealed class FlowFormatterTests
{
    public static TheoryData<string, string> Lines => new()
    {
        { Corpus.Icmp, "ipv4     2 icmp     1 23 src=10.9.0.1 dst=10.9.0.2 type=8 code=0 id=77 packets=0 bytes=0 [UNREPLIED] src=10.9.0.2 dst=10.9.0.1 type=0 code=0 id=77 packets=0 bytes=0 mark=0 delta-time=0 use=1" },
        { Corpus.UnknownProtocol, "ipv4     2 unknown  253 23 src=10.9.0.1 dst=10.9.0.2 packets=0 bytes=0 [UNREPLIED] src=10.9.0.2 dst=10.9.0.1 packets=0 bytes=0 mark=0 delta-time=0 use=1" },
        { Corpus.UdpSourceNat, "ipv4     2 udp      17 23 src=192.168.1.10 dst=10.9.0.2 sport=5000 dport=53 packets=0 bytes=0 src=10.9.0.2 dst=203.0.113.1 sport=53 dport=61000 packets=0 bytes=0 mark=0 delta-time=0 use=1" },
        { Corpus.TcpEstablished, "ipv4     2 tcp      6 293 ESTABLISHED src=10.9.0.1 dst=10.9.0.2 sport=1000 dport=80 packets=0 bytes=0 src=10.9.0.2 dst=10.9.0.1 sport=80 dport=1000 packets=0 bytes=0 [ASSURED] mark=5 delta-time=0 use=1" },
        { Corpus.IcmpV6, "ipv6     10 icmpv6   58 23 src=fd00::1 dst=fd00::2 type=128 code=0 id=9 packets=0 bytes=0 [UNREPLIED] src=fd00::2 dst=fd00::1 type=129 code=0 id=9 packets=0 bytes=0 mark=0 delta-time=0 use=1" },
    };

    [Theory]
    [MemberData(nameof(Lines))]
    public void Matches_conntrack_extended_output(string corpus, string expected)
    {
        var flow = FlowDecoder.Decode(Corpus.Payload(corpus));
        var start = DateTimeOffset.FromUnixTimeMilliseconds((long)(flow.StartNanoseconds / 1_000_000));
        Assert.Equal(expected, FlowFormatter.ToExtendedText(flow, now: start));
    }

    [Fact]
    public void Id_suffix_like_o_extended_id()
    {
        var flow = FlowDecoder.Decode(Corpus.Payload(Corpus.TcpEstablished));
        Assert.EndsWith("use=1 id=3164165485", FlowFormatter.ToExtendedText(flow, includeId: true, now: DateTimeOffset.FromUnixTimeSeconds((long)(flow.StartNanoseconds / 1_000_000_000))));
    }
}
