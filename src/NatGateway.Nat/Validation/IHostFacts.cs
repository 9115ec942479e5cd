using System.Net;

namespace NatGateway.Nat;

/// <summary>A network interface of the host as the validator needs it (<c>ip -br addr</c>).</summary>
public sealed record HostInterface(string Name, IReadOnlyList<IPAddress> Addresses);

/// <summary>What the validator needs to know about the host for warnings. Implemented by the web layer over netlink/procfs.</summary>
/// <summary>The host facts read at once (one agent round trip in agent mode): what the validator's warnings use.</summary>
public sealed record HostFacts(IReadOnlyList<HostInterface> Interfaces, bool Ipv4ForwardingEnabled, bool Ipv6ForwardingEnabled) : IHostFacts;

public interface IHostFacts
{
    IReadOnlyList<HostInterface> Interfaces { get; }
    /// <summary>net.ipv4.ip_forward</summary>
    bool Ipv4ForwardingEnabled { get; }
    /// <summary>net.ipv6.conf.all.forwarding</summary>
    bool Ipv6ForwardingEnabled { get; }
}
