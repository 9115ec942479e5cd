using System.Net;
using NatGateway.Nat;

namespace NatGateway.Nat.Tests;

/// <summary>Short constructors for test rules with fixed ids (golden output stays stable).</summary>
internal static class Rules
{
    public static Guid Id(int n) => Guid.Parse($"00000000-0000-0000-0000-{n:D12}");

    public static DnatRule Forward(int n, int port, string target, int? targetPort = null, string iif = "lan0", NatProtocol protocol = NatProtocol.Tcp) => new()
    {
        Id = Id(n), Name = $"fwd{n}", MarkId = n, InInterfaces = [iif], Protocol = protocol,
        DestinationPort = new PortRange(port), TargetAddress = AddressPool.Parse(target),
        TargetPort = targetPort is { } t ? new PortRange(t) : null,
    };

    public static MasqueradeRule Masquerade(int n, string oif = "wan0") => new()
    {
        Id = Id(n), Name = $"masq{n}", MarkId = n, OutInterfaces = [oif],
    };

    public static SnatRule Snat(int n, string to, string oif = "wan0") => new()
    {
        Id = Id(n), Name = $"snat{n}", MarkId = n, OutInterfaces = [oif], TranslateTo = AddressPool.Parse(to),
    };

    /// <summary>1:1 NAT of <paramref name="inside"/> onto <paramref name="outside"/> on <paramref name="oif"/>.</summary>
    public static OneToOneRule OneToOne(int n, string inside, string outside, string oif = "lan0") => new()
    {
        Id = Id(n), Name = $"map{n}", MarkId = n, OutsideInterfaces = [oif],
        InsidePrefix = IpPrefix.Parse(inside), OutsidePrefix = IpPrefix.Parse(outside),
    };

    public static Nptv6Rule Nptv6(int n, string inside, string outside, string oif = "lan0") => new()
    {
        Id = Id(n), Name = $"npt{n}", MarkId = n, Family = NatFamily.Ipv6, OutsideInterfaces = [oif],
        InsidePrefix = IpPrefix.Parse(inside), OutsidePrefix = IpPrefix.Parse(outside),
    };

    /// <summary>Redirect of tcp <paramref name="port"/> arriving on <paramref name="iif"/> to local <paramref name="targetPort"/>.</summary>
    public static RedirectRule Redirect(int n, int port, int? targetPort = null, string iif = "lan0", NatProtocol protocol = NatProtocol.Tcp) => new()
    {
        Id = Id(n), Name = $"redir{n}", MarkId = n, InInterfaces = [iif], Protocol = protocol,
        DestinationPort = new PortRange(port), TargetPort = targetPort is { } t ? new PortRange(t) : null,
    };

    public static IPAddress Ip(string s) => IPAddress.Parse(s);
}

/// <summary>Host facts for warning tests.</summary>
internal sealed record FakeHostFacts(IReadOnlyList<HostInterface> Interfaces, bool Ipv4ForwardingEnabled, bool Ipv6ForwardingEnabled) : IHostFacts
{
    public static FakeHostFacts Lab(bool forwarding = true) => new(
        [
            new HostInterface("lan0", [IPAddress.Parse("10.77.1.1"), IPAddress.Parse("fd77:1::1")]),
            new HostInterface("wan0", [IPAddress.Parse("10.77.2.1"), IPAddress.Parse("fd77:2::1")]),
            new HostInterface("dummy0", []),
        ], forwarding, forwarding);
}
