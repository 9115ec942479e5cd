using System.Globalization;
using NatGateway.Nat;
using NatGateway.Nftables.Schema;

namespace NatGateway.Nftables;

public static partial class NatRulesetCompiler
{
    /// <summary>
    /// The name of the ct timeout object for one protocol's half of a policy, made from its values alone
    /// (<c>tcp_est86400</c>, <c>udp_unrep5_rep10</c>): rules with the same policy share one object, and the name never carries
    /// user text. Null when the policy sets nothing for that protocol.
    /// </summary>
    public static string? TimeoutObjectName(ConntrackTimeoutPolicy policy, NftTimeoutProtocol protocol)
    {
        var parts = TimeoutStates(policy, protocol).Select(s => s.State switch
        {
            NftTimeoutState.Established => "est",
            NftTimeoutState.Unreplied => "unrep",
            _ => "rep",
        } + s.Seconds.ToString(CultureInfo.InvariantCulture)).ToList();
        return parts.Count == 0 ? null : (protocol == NftTimeoutProtocol.Tcp ? "tcp_" : "udp_") + string.Join("_", parts);
    }

    private static IEnumerable<(NftTimeoutState State, int Seconds)> TimeoutStates(ConntrackTimeoutPolicy policy, NftTimeoutProtocol protocol)
    {
        if (protocol == NftTimeoutProtocol.Tcp)
        {
            if (policy.TcpEstablished is { } established) yield return (NftTimeoutState.Established, established);
            yield break;
        }
        if (policy.UdpUnreplied is { } unreplied) yield return (NftTimeoutState.Unreplied, unreplied);
        if (policy.UdpReplied is { } replied) yield return (NftTimeoutState.Replied, replied);
    }

    private sealed partial class TableBuilder
    {
        private readonly HashSet<string> _timeoutObjects = new(StringComparer.Ordinal);

        /// <summary>
        /// The <c>ct timeout set "…"</c> statement(s) for a rule's timeout policy, placed after the mark set and before the
        /// NAT statement. <paramref name="proto"/> is the nft protocol of the rule being emitted ("tcp"/"udp"), null when it
        /// matches any: then one statement per protocol the policy covers. A ct timeout object holds one protocol and
        /// nft_ct_timeout_obj_eval() does nothing for a packet of another (priv->l4proto != pkt->tprot), so a tcp and a udp
        /// statement in one rule each act only on their own flows. Evaluated on the flow's first packet, while the entry is
        /// unconfirmed (the NAT chains see only that packet; confirmation runs last, at NF_IP_PRI_CONNTRACK_CONFIRM).
        /// The objects are added to the table once, before the rules that name them.
        /// </summary>
        private IEnumerable<NftStatement> TimeoutSet(NatRule rule, string? proto)
        {
            if (rule.Timeouts is not { IsEmpty: false } policy) yield break;
            foreach (var protocol in new[] { NftTimeoutProtocol.Tcp, NftTimeoutProtocol.Udp })
            {
                if (proto is not null && proto != (protocol == NftTimeoutProtocol.Tcp ? "tcp" : "udp")) continue;
                if (TimeoutObjectName(policy, protocol) is not { } name) continue;
                if (_timeoutObjects.Add(name))
                    _objects.Add(NftCommand.Add(new NftCtTimeout
                    {
                        Family = _family, Table = TableName, Name = name, Protocol = protocol,
                        L3Protocol = family == NatFamily.Ipv6 ? "ip6" : "ip",
                        Policy = TimeoutStates(policy, protocol).ToDictionary(s => s.State, s => s.Seconds),
                    }));
                yield return new NftCtTimeoutSet(name);
            }
        }
    }
}
