using System.Net.Sockets;
using NatGateway.Core.Kernel;
using NatGateway.Nat;

namespace NatGateway.Core.Rules;

/// <summary>
/// The host as the NAT validator sees it (interfaces, addresses, forwarding), read fresh from the kernel boundary.
/// Each fact is read on first use only: in agent mode every read is a round trip to the agent, and a rule needs at
/// most two of the three (a port forward never asks for the other family's forwarding).
/// </summary>
public sealed class KernelHostFacts(IGatewayKernel kernel) : IHostFacts
{
    private readonly Lazy<IReadOnlyList<HostInterface>> _interfaces = new(() => kernel.ListInterfaces()
        .Select(i => new HostInterface(i.Name, i.Addresses.Select(a => a.Address)
            .Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6).ToList()))
        .ToList(), LazyThreadSafetyMode.None);
    private readonly Lazy<bool> _ipv4 = new(() => kernel.Sysctl.TryRead(SysctlKey.Ipv4Forwarding) is { } v4 && v4 != "0", LazyThreadSafetyMode.None);
    private readonly Lazy<bool> _ipv6 = new(() => kernel.Sysctl.TryRead(SysctlKey.Ipv6Forwarding) is { } v6 && v6 != "0", LazyThreadSafetyMode.None);

    public IReadOnlyList<HostInterface> Interfaces => _interfaces.Value;
    public bool Ipv4ForwardingEnabled => _ipv4.Value;
    public bool Ipv6ForwardingEnabled => _ipv6.Value;
}
