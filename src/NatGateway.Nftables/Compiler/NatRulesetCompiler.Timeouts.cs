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

    /// <summary>The family of <see cref="NatCompileOptions.TimeoutTable"/>: one table serves both address families (the marks are unique across them).</summary>
    public const string TimeoutTableFamily = "inet";

    /// <summary>
    /// The policies live in <c>table inet natgw_ct</c> (<see cref="NatCompileOptions.TimeoutTable"/>), not in the natgw tables: an apply deletes and recreates those, and
    /// libnftables 1.0.6 cannot recreate a ct timeout object from JSON with its policy (see
    /// <see cref="NftablesNatEngine.FirstVersionKeepingTimeoutPolicies"/>), so the engine creates the objects with its own
    /// netlink (<see cref="NatGateway.Netlink.Netfilter.NftCtTimeoutObjects"/>) before this batch runs and they must survive
    /// it. The chains pick a flow's policy by the rule mark the NAT rules put in its ct mark: prerouting at -99 runs just
    /// after the nat chains at -100 (DNAT, redirect, load balance, a prefix map's inbound half); postrouting at 101 just after
    /// SNAT/masquerade at 100; both before nf_confirm (NF_IP_PRI_CONNTRACK_CONFIRM, the last hook), while
    /// nft_ct_timeout_obj_eval() still attaches a policy (it skips confirmed entries). A flow marked by an SNAT rule in
    /// postrouting takes that rule's policy over a DNAT rule's, as it did when the statement sat in the NAT rules.
    /// The chains are deleted and recreated in this batch (atomically with the natgw tables); the objects are only added
    /// ("add" keeps an existing object as it is), so the netlink-made ones keep their policy.
    /// </summary>
    private static IEnumerable<NftCommand> TimeoutTableCommands(IReadOnlyList<TimeoutUse> uses, NatCompileOptions options)
    {
        var table = new NftTable { Family = TimeoutTableFamily, Name = options.TimeoutTable };
        yield return NftCommand.Add(table);
        if (uses.Count == 0)
        {
            // No policy in force: nothing of ours should stay in the kernel.
            yield return NftCommand.Delete(table);
            yield break;
        }
        var chains = new[] { new NftChain { Family = TimeoutTableFamily, Table = options.TimeoutTable, Name = Prerouting, Type = "filter", Hook = "prerouting", Priority = -99, Policy = "accept" },
            new NftChain { Family = TimeoutTableFamily, Table = options.TimeoutTable, Name = Postrouting, Type = "filter", Hook = "postrouting", Priority = 101, Policy = "accept" } };
        foreach (var chain in chains)
        {
            yield return NftCommand.Add(chain);
            yield return NftCommand.Delete(chain);
        }
        foreach (var o in TimeoutObjects(uses, options.TimeoutTable)) yield return NftCommand.Add(o);
        foreach (var chain in chains)
        {
            yield return NftCommand.Add(chain);
            foreach (var use in uses)
                yield return NftCommand.Add(new NftRule
                {
                    Family = TimeoutTableFamily, Table = options.TimeoutTable, Chain = chain.Name,
                    Expressions = [
                        NftMatch.Equal(new NftMeta("l4proto"), use.Protocol == NftTimeoutProtocol.Tcp ? "tcp" : "udp"),
                        NftMatch.Equal(new NftBinary(NftBinaryOperator.And, new NftCt("mark"), new NftNumber(options.MarkMask)), new NftNumber(options.MarkValue(use.MarkId))),
                        new NftCtTimeoutSet(use.ObjectName)],
                });
        }
    }

    /// <summary>The distinct ct timeout objects the uses name, in first-use order.</summary>
    public static IReadOnlyList<NftCtTimeout> TimeoutObjects(IEnumerable<TimeoutUse> uses, string table) =>
        uses.DistinctBy(u => u.ObjectName).Select(u => new NftCtTimeout
        {
            Family = TimeoutTableFamily, Table = table, Name = u.ObjectName, Protocol = u.Protocol, L3Protocol = TimeoutTableFamily,
            Policy = TimeoutStates(u.Policy, u.Protocol).ToDictionary(s => s.State, s => s.Seconds),
        }).ToList();

    /// <summary>One rule's policy for one protocol: flows whose ct mark carries <paramref name="MarkId"/> get the object.</summary>
    public sealed record TimeoutUse(int MarkId, NftTimeoutProtocol Protocol, string ObjectName, ConntrackTimeoutPolicy Policy);

    private sealed partial class TableBuilder
    {
        /// <summary>The timeout policies of this table's rules, for <c>table inet natgw_ct</c>.</summary>
        public List<TimeoutUse> TimeoutUses { get; } = new();

        /// <summary>
        /// Records a rule's timeout policy for each protocol the rule translates (every one the policy covers when the rule
        /// matches any). The NAT rules carry no statement for it: the policy is attached in <c>table inet natgw_ct</c> by the
        /// rule's mark (see <see cref="TimeoutTableCommands"/>), since the natgw tables are recreated on every apply and a ct
        /// timeout object must live in the table of the rule naming it. A ct timeout object holds one protocol and
        /// nft_ct_timeout_obj_eval() does nothing for a packet of another (priv->l4proto != pkt->tprot).
        /// </summary>
        private void RecordTimeouts(NatRule rule)
        {
            if (rule.Timeouts is not { IsEmpty: false } policy) return;
            NatProtocol? matched = rule switch
            {
                DnatRule d => d.Protocol,
                RedirectRule r => r.Protocol,
                LoadBalanceRule l => l.Protocol,
                MasqueradeRule m => m.Protocol,
                SnatRule s => s.Protocol,
                _ => null,
            };
            foreach (var protocol in new[] { NftTimeoutProtocol.Tcp, NftTimeoutProtocol.Udp })
            {
                if (matched is NatProtocol.Tcp && protocol != NftTimeoutProtocol.Tcp) continue;
                if (matched is NatProtocol.Udp && protocol != NftTimeoutProtocol.Udp) continue;
                if (TimeoutObjectName(policy, protocol) is not { } name) continue;
                if (!TimeoutUses.Any(u => u.MarkId == rule.MarkId && u.Protocol == protocol))
                    TimeoutUses.Add(new TimeoutUse(rule.MarkId, protocol, name, policy));
            }
        }
    }
}
