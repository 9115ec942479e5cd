using NatGateway.Capacity.Kernel;

namespace NatGateway.Capacity.Planning;

/// <summary>
/// SNAT/masquerade port capacity: one translated address can carry at most one flow per source port towards the same
/// destination address, port and protocol, so the usable port range caps concurrent flows to a single destination
/// (e.g. a popular API or DNS resolver). Towards different destinations the same ports are reused.
/// </summary>
/// <param name="PortRange">Ports the NAT picks from.</param>
/// <param name="PortRangeSource">"rule" when the snat/masquerade rule names ports (<c>masquerade to :10000-20000</c>), else "kernel default" (1024–65535 for unprivileged source ports).</param>
/// <param name="FlowsPerAddressPerDestination">Concurrent flows one translated address can hold towards one destination address+port.</param>
/// <param name="Addresses">Translated addresses configured.</param>
/// <param name="FlowsPerDestination">Flows towards one destination with all configured addresses.</param>
/// <param name="TargetFlowsPerDestination">Requested concurrent flows towards one destination, if given.</param>
/// <param name="AddressesNeeded">Translated addresses needed for the target, if given.</param>
/// <param name="LocalPortRange">ip_local_port_range, the ephemeral ports for connections the gateway opens itself.</param>
public sealed record SnatCapacity(
    PortRange PortRange,
    string PortRangeSource,
    int FlowsPerAddressPerDestination,
    int Addresses,
    long FlowsPerDestination,
    long? TargetFlowsPerDestination,
    int? AddressesNeeded,
    PortRange? LocalPortRange)
{
    public static SnatCapacity Compute(PortRange? rulePortRange, int addresses, long? targetFlowsPerDestination, PortRange? localPortRange)
    {
        if (addresses < 1) throw new ArgumentOutOfRangeException(nameof(addresses), "at least one translated address");
        var range = rulePortRange ?? PortRange.NatDefaultUnprivileged;
        var perAddress = range.Size;
        int? needed = targetFlowsPerDestination is { } target
            ? (int)Math.Max(1, (target + perAddress - 1) / perAddress)
            : null;
        return new SnatCapacity(range, rulePortRange is null ? "kernel default" : "rule", perAddress, addresses,
            (long)perAddress * addresses, targetFlowsPerDestination, needed, localPortRange);
    }
}
