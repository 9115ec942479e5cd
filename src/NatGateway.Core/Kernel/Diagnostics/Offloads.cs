using NatGateway.Netlink.Ethtool;
using NatGateway.Netlink.Route;

namespace NatGateway.Core.Kernel.Diagnostics;

/// <summary>
/// LRO per interface over ethtool netlink (net/ethtool/features.c). LRO merges received segments into large buffers in
/// the NIC, and a router must not forward those (dev_disable_lro() turns it off when forwarding is enabled, but drivers
/// and bonding/VLAN stacks have missed it), so the doctor reads it on every interface and can turn it off.
/// </summary>
public static class Offloads
{
    /// <summary>LRO of every non-loopback interface of the namespace (one features dump, one link dump).</summary>
    public static IReadOnlyList<InterfaceOffloads> Read()
    {
        HashSet<int> loopback;
        using (var route = new RouteClient())
            loopback = route.DumpLinks().Where(l => l.IsLoopback).Select(l => l.Index).ToHashSet();
        using var ethtool = new EthtoolClient();
        return ethtool.DumpFeatures()
            .Where(f => !loopback.Contains(f.DeviceIndex))
            .Select(From)
            .OrderBy(o => o.Interface, StringComparer.Ordinal)
            .ToList();
    }

    public static InterfaceOffloads From(EthtoolFeatureSet features) => new(features.DeviceName,
        features.IsActive(EthtoolFeatureSet.LargeReceiveOffload), features.IsChangeable(EthtoolFeatureSet.LargeReceiveOffload));

    /// <summary>`ethtool -K IF lro on|off`. Already in that state: nothing is sent. A driver that keeps LRO fixed, or that
    /// ignores the request, is an <see cref="InvalidOperationException"/> naming the interface; an unknown interface is
    /// the kernel's ENODEV as a NetlinkException naming the operation and interface.</summary>
    public static void SetLro(string interfaceName, bool enabled)
    {
        // The agent validates too (RequestValidation.Interface); single-process callers get the same refusal here.
        var problem = interfaceName.Contains('*') ? "a wildcard" : NatGateway.Nat.InterfaceName.Problem(interfaceName);
        if (problem is not null) throw new ArgumentException($"not an interface name: {problem}", nameof(interfaceName));
        var state = enabled ? "on" : "off";
        using var ethtool = new EthtoolClient();
        var before = ethtool.GetFeatures(interfaceName);
        if (before.IsActive(EthtoolFeatureSet.LargeReceiveOffload) == enabled) return;
        if (!before.IsChangeable(EthtoolFeatureSet.LargeReceiveOffload))
            throw new InvalidOperationException(
                $"{interfaceName}: the driver does not let large-receive-offload change (ethtool -k shows it [fixed]); it stays {(enabled ? "off" : "on")}");
        ethtool.SetFeature(interfaceName, EthtoolFeatureSet.LargeReceiveOffload, enabled);
        // The SET reply lists what was not applied, but dependent features (an upper device's LRO follows its lowers')
        // can change it again; reading back is the answer that counts.
        var after = ethtool.GetFeatures(interfaceName);
        if (after.IsActive(EthtoolFeatureSet.LargeReceiveOffload) != enabled)
            throw new InvalidOperationException($"{interfaceName}: the driver did not turn large-receive-offload {state}");
    }
}
