using System.Net;
using NatGateway.Nat;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Nat;

/// <summary>
/// The benchmark's rule list: N plain UDP port forwards on lan0, gateway ports FirstPort.. to the same port on the server
/// (<c>iifname "lan0" udp dport P dnat to 10.77.2.2:P</c> each). Plain forwards are what the compiler puts in maps.
/// Target ports are distinct so that no two flows can share a reply tuple (one shared target port would make flows
/// with equal source ports clash in conntrack).
/// </summary>
internal static class PortForwards
{
    public const int FirstPort = 10_000;

    public static IReadOnlyList<NatRule> Create(int count)
    {
        var target = AddressPool.Single(IPAddress.Parse(NamespaceLab.ServerAddress));
        var rules = new NatRule[count];
        for (var i = 0; i < count; i++)
            rules[i] = new DnatRule
            {
                // Fixed ids keep the batches of repeated runs identical.
                Id = new Guid(i + 1, 0xbe, 0x4c, 0, 0, 0, 0, 0, 0, 0, 0),
                Name = $"bench{i + 1}",
                MarkId = i + 1,
                Position = i,
                InInterfaces = [NamespaceLab.GatewayLanInterface],
                Protocol = NatProtocol.Udp,
                DestinationPort = new PortRange(FirstPort + i),
                TargetAddress = target,
            };
        return rules;
    }
}
