using System.Net.Sockets;
using NatGateway.Core.Kernel;
using NatGateway.Nat;

namespace NatGateway.Core.Rules;

/// <summary>The host as the NAT validator sees it (interfaces, addresses, forwarding), read fresh from the kernel boundary.</summary>
public sealed class KernelHostFacts : IHostFacts
{
    public KernelHostFacts(IGatewayKernel kernel)
    {
        Interfaces = kernel.ListInterfaces()
            .Select(i => new HostInterface(i.Name, i.Addresses.Select(a => a.Address)
                .Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6).ToList()))
            .ToList();
        Ipv4ForwardingEnabled = kernel.Sysctl.TryRead(SysctlKey.Ipv4Forwarding) is { } v4 && v4 != "0";
        Ipv6ForwardingEnabled = kernel.Sysctl.TryRead(SysctlKey.Ipv6Forwarding) is { } v6 && v6 != "0";
    }

    public IReadOnlyList<HostInterface> Interfaces { get; }
    public bool Ipv4ForwardingEnabled { get; }
    public bool Ipv6ForwardingEnabled { get; }
}
