using NatGateway.Nat;
using NatGateway.Nftables.Schema;

namespace NatGateway.Core.Tracing;

/// <summary>
/// The nft batches that arm and disarm a live trace, built as typed JSON (never text): a table of our own,
/// <c>table inet natgw_trace</c>, apart from the <c>natgw</c> tables the apply pipeline replaces, with one chain
/// <code>
/// chain trace { type filter hook prerouting priority raw - 1; policy accept;
///     iifname "lan0" ip saddr 10.77.1.2 ip daddr 192.0.2.1 tcp sport 40000 tcp dport 80 meta nftrace set 1 }
/// </code>
/// Priority -301 runs after defragmentation (NF_IP_PRI_CONNTRACK_DEFRAG -400, so ports are matchable) and before
/// raw (-300), conntrack (-200) and destination NAT (-100): every later chain of every table sees the flag, and the
/// packet's tuple is still the one the operator asked about. A source port of 0 matches any source port (clients
/// pick theirs).
/// </summary>
public static class TraceArm
{
    public const string Family = "inet";
    public const string Table = "natgw_trace";
    public const string Chain = "trace";
    public const int Priority = -301;

    /// <summary>add table; delete table; add table (replaces a leftover in the same transaction), the chain, the rule.</summary>
    public static NftBatch Arm(PacketProbe probe)
    {
        var table = new NftTable { Family = Family, Name = Table };
        var ip = probe.Family == NatFamily.Ipv6 ? "ip6" : "ip";
        var l4 = probe.Protocol == ProbeProtocol.Udp ? "udp" : "tcp";
        var expressions = new List<NftStatement>
        {
            NftMatch.Equal(new NftMeta("iifname"), new NftString(probe.InInterface)),
            NftMatch.Equal(new NftPayload(ip, "saddr"), new NftString(probe.Source.ToString())),
            NftMatch.Equal(new NftPayload(ip, "daddr"), new NftString(probe.Destination.ToString())),
        };
        if (probe.SourcePort != 0) expressions.Add(NftMatch.Equal(new NftPayload(l4, "sport"), new NftNumber(probe.SourcePort)));
        expressions.Add(NftMatch.Equal(new NftPayload(l4, "dport"), new NftNumber(probe.DestinationPort)));
        expressions.Add(new NftMangle(new NftMeta("nftrace"), new NftNumber(1)));
        return new NftBatch(
        [
            NftCommand.Add(table),
            NftCommand.Delete(table),
            NftCommand.Add(table),
            NftCommand.Add(new NftChain
            {
                Family = Family, Table = Table, Name = Chain, Type = "filter", Hook = "prerouting", Priority = Priority, Policy = "accept",
            }),
            NftCommand.Add(new NftRule { Family = Family, Table = Table, Chain = Chain, Expressions = expressions }),
        ]);
    }

    /// <summary>add table; delete table: removes the table whether or not it exists (a plain delete fails with ENOENT).</summary>
    public static NftBatch Disarm()
    {
        var table = new NftTable { Family = Family, Name = Table };
        return new NftBatch([NftCommand.Add(table), NftCommand.Delete(table)]);
    }
}
