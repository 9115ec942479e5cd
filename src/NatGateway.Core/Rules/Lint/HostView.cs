using NatGateway.Core.Kernel;

namespace NatGateway.Core.Rules.Lint;

/// <summary>
/// The host as lint sees it, read once per lint: interfaces with addresses, main-table routes, the foreign tables'
/// forward chains, and the planned SNAT flows. A fact that could not be read is null, and the checks needing it skip.
/// </summary>
public sealed record HostView(
    IReadOnlyList<NetworkInterfaceInfo>? Interfaces,
    IReadOnlyList<RouteInfo>? Routes,
    IReadOnlyList<ForeignForwardChain>? ForeignChains,
    long? SnatFlowsPerDestination);
