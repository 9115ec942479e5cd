using System.Net;
using NatGateway.Core.Cluster;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Tests.Cluster;

/// <summary>HA-NOTES' topology as a config: inside VIP 10.77.1.1, outside VIP 10.77.2.1, sync link 10.77.3.0/30.</summary>
public static class ClusterSamples
{
    public static ClusterConfig Node(string name, ClusterNodeRole role, int priority, string suffix, string syncAddress, string peerName, string peerAddress,
        TimeSpan? advert = null, IReadOnlyList<VirtualAddress>? addresses = null) => new()
    {
        Enabled = true,
        VirtualRouterId = 51,
        AdvertInterval = advert ?? TimeSpan.FromMilliseconds(100),
        VirtualAddresses = addresses ??
        [
            new VirtualAddress(VirtualAddressSide.Inside, new InterfaceAddress(IPAddress.Parse("10.77.1.1"), 24)),
            new VirtualAddress(VirtualAddressSide.Outside, new InterfaceAddress(IPAddress.Parse("10.77.2.1"), 24)),
        ],
        Local = new ClusterNode
        {
            Name = name, Role = role, Priority = priority, InsideInterface = "in" + suffix, OutsideInterface = "out" + suffix,
            SyncInterface = "sync" + suffix, SyncAddress = new InterfaceAddress(IPAddress.Parse(syncAddress), 30),
        },
        Peer = new ClusterPeer { Name = peerName, SyncAddress = IPAddress.Parse(peerAddress), SyncPort = 8443 },
    };

    public static ClusterConfig Gw1 => Node("gw1", ClusterNodeRole.Primary, 150, "1", "10.77.3.1", "gw2", "10.77.3.2");
    public static ClusterConfig Gw2 => Node("gw2", ClusterNodeRole.Backup, 100, "2", "10.77.3.2", "gw1", "10.77.3.1");

    // The same lab pair's gw1 as an operator would PUT it (ha-config's API and page tests).
    public const string Valid = """
        {"enabled": true, "virtualRouterId": 51, "advertIntervalSeconds": 0.1,
         "virtualAddresses": [{"side": "inside", "address": "10.77.1.1/24"}, {"side": "outside", "address": "10.77.2.1/24"}],
         "local": {"name": "gw1", "role": "primary", "priority": 150, "insideInterface": "lan0", "outsideInterface": "wan0",
                   "syncInterface": "sync0", "syncAddress": "10.77.3.1/30"},
         "peer": {"name": "gw2", "syncAddress": "10.77.3.2", "syncPort": 5443}}
        """;

    public static ClusterConfig Config() => ClusterJson.Parse(Valid).Config!;
}
