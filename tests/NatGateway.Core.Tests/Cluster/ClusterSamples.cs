using NatGateway.Core.Cluster;

namespace NatGateway.Core.Tests.Cluster;

/// <summary>The HA-NOTES lab pair's configuration of gw1, as an operator would PUT it (shared with the web tests).</summary>
public static class ClusterSamples
{
    public const string Valid = """
        {"enabled": true, "virtualRouterId": 51, "advertIntervalSeconds": 0.1,
         "virtualAddresses": [{"side": "inside", "address": "10.77.1.1/24"}, {"side": "outside", "address": "10.77.2.1/24"}],
         "local": {"name": "gw1", "role": "primary", "priority": 150, "insideInterface": "lan0", "outsideInterface": "wan0",
                   "syncInterface": "sync0", "syncAddress": "10.77.3.1/30"},
         "peer": {"name": "gw2", "syncAddress": "10.77.3.2", "syncPort": 5443}}
        """;

    public static ClusterConfig Config() => ClusterJson.Parse(Valid).Config!;
}
