using NatGateway.Nat;
using NatGateway.Nftables.Schema;

namespace NatGateway.Nftables;

public static partial class NatRulesetCompiler
{
    private sealed partial class TableBuilder
    {
        /// <summary>
        /// A redirect to a port of the gateway, in prerouting at its list position, one nft rule per protocol:
        /// <code>
        /// iifname "lan0" ip daddr 10.77.2.2 tcp dport 8030 counter ct mark set … redirect to :7030
        /// </code>
        /// redirect is DNAT to the primary address of the input interface (nf_nat_redirect_ipv4(); IPv6:
        /// nf_nat_redirect_ipv6() picks an address of the interface), so the local listener sees the client's own address.
        /// No destination address = any destination, local or passing through (a transparent proxy).
        /// </summary>
        private void AddRedirect(RedirectRule rule)
        {
            foreach (var protocol in ForwardMatch.Expand(rule.Protocol).Order())
            {
                var proto = NftFamily.Protocol(protocol);
                AddRule(Prerouting, rule, [
                    .. Expr.Interfaces("iifname", rule.InInterfaces, negate: false),
                    .. Expr.Cidrs(family, "saddr", rule.SourceCidrs),
                    .. RedirectDestination(rule),
                    NftMatch.Equal(new NftMeta("l4proto"), proto),
                    NftMatch.Equal(new NftPayload(proto, "dport"), Expr.Ports(rule.DestinationPort)),
                    new NftCounter(),
                    Expr.SetMark(options, rule.MarkId),
                    new NftNat(NftNatKind.Redirect, null, TargetPortMap(rule.DestinationPort, rule.TargetPort, proto), [])]);
            }
        }

        private IEnumerable<NftStatement> RedirectDestination(RedirectRule rule)
        {
            if (rule.DestinationAddress is { } address)
                yield return NftMatch.Equal(new NftPayload(NftFamily.Payload(family), "daddr"), address.ToString());
        }
    }
}
