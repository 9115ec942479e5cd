using System.Net;
using NatGateway.Nat;

namespace NatGateway.Core.Kernel;

/// <summary>
/// Longest-prefix match over the main routing table (<see cref="IGatewayKernel.ListRoutes"/>): where the kernel would send
/// a destination. Policy routing (<c>ip rule</c>) is not modelled; callers that answer operators say so.
/// </summary>
public static class RouteLookup
{
    /// <summary>The most specific route covering <paramref name="destination"/>, or null (no route).</summary>
    public static RouteInfo? Find(IReadOnlyList<RouteInfo> routes, IPAddress destination)
    {
        RouteInfo? best = null;
        foreach (var route in routes)
        {
            if (!IPAddress.TryParse(route.Destination, out var network) || network.AddressFamily != destination.AddressFamily) continue;
            var prefix = new IpPrefix(network, route.PrefixLength);
            if (!prefix.Contains(destination)) continue;
            if (best is null || route.PrefixLength > best.PrefixLength) best = route;
        }
        return best;
    }
}
