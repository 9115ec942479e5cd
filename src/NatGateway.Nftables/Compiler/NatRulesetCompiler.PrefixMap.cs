using NatGateway.Nat;
using NatGateway.Nftables.Schema;

namespace NatGateway.Nftables;

public static partial class NatRulesetCompiler
{
    private sealed partial class TableBuilder
    {
        /// <summary>
        /// The inbound half of a 1:1 / NPTv6 rule, in prerouting at its list position:
        /// <code>
        /// iifname "lan0" ip daddr 10.77.9.4/30 counter ct mark set … dnat ip prefix to ip daddr map { 10.77.9.4/30 : 10.77.2.4/30 }
        /// </code>
        /// With hairpin, the same for packets arriving on every other interface and for the gateway's own (output chain);
        /// <see cref="AddPrefixMapHairpinMasquerade"/> then sends the reflected flows' replies back through us.
        /// Prefix NAT keeps the host bits: the looked-up prefix is a range min..max, and the kernel ORs the packet's host
        /// bits (address &amp; ~(min ^ max)) into min (nft_nat_setup_netmap(), NF_NAT_RANGE_NETMAP). One element per map:
        /// the match before it already admits only the rule's prefix.
        /// </summary>
        private void AddPrefixMapInbound(PrefixMapRule rule)
        {
            AddRule(Prerouting, rule, [
                .. Expr.Interfaces("iifname", rule.OutsideInterfaces, negate: false),
                .. PrefixMapTail(rule, NftNatKind.Dnat)]);
            if (!rule.Hairpin) return;
            AddRule(Prerouting, rule, [
                .. Expr.Interfaces("iifname", rule.OutsideInterfaces, negate: true),
                .. PrefixMapTail(rule, NftNatKind.Dnat)]);
            AddRule(Output, rule, PrefixMapTail(rule, NftNatKind.Dnat));
        }

        /// <summary>
        /// The outbound half, in postrouting at its list position beside SNAT and masquerade:
        /// <code>
        /// oifname "lan0" ip saddr 10.77.2.4/30 counter ct mark set … snat ip prefix to ip saddr map { 10.77.2.4/30 : 10.77.9.4/30 }
        /// </code>
        /// </summary>
        private void AddPrefixMapOutbound(PrefixMapRule rule) =>
            AddRule(Postrouting, rule, [
                .. Expr.Interfaces("oifname", rule.OutsideInterfaces, negate: false),
                .. PrefixMapTail(rule, NftNatKind.Snat)]);

        /// <summary>
        /// NAT reflection for a prefix map: an inside host that reached another inside host through its outside address
        /// would get the reply straight from that host (same network, not through us) with the wrong source address, so
        /// the reflected flows — this rule's mark, DNATed, not arrived on an outside interface — are masqueraded. The
        /// <c>ct status</c> match also keeps <see cref="NftablesNatEngine.ReadCounters"/> from counting these flows twice.
        /// </summary>
        private void AddPrefixMapHairpinMasquerade(PrefixMapRule rule) =>
            AddRule(Postrouting, rule, [
                NftMatch.Equal(new NftBinary(NftBinaryOperator.And, new NftCt("mark"), new NftNumber(options.MarkMask)), new NftNumber(options.MarkValue(rule.MarkId))),
                NftMatch.In(new NftCt("status"), "dnat"),
                .. Expr.Interfaces("iifname", rule.OutsideInterfaces, negate: true),
                new NftCounter(),
                new NftNat(NftNatKind.Masquerade, null, null, [])]);

        /// <summary>
        /// <c>ip daddr OUT counter ct mark set … dnat ip prefix to ip daddr map { OUT : IN }</c> (DNAT), or the same with
        /// saddr and the map turned round (SNAT).
        /// </summary>
        private IEnumerable<NftStatement> PrefixMapTail(PrefixMapRule rule, NftNatKind kind)
        {
            var (field, from, to) = kind == NftNatKind.Dnat
                ? ("daddr", rule.OutsidePrefix, rule.InsidePrefix)
                : ("saddr", rule.InsidePrefix, rule.OutsidePrefix);
            var address = new NftPayload(NftFamily.Payload(family), field);
            yield return NftMatch.Equal(address, Expr.Prefix(from));
            yield return new NftCounter();
            yield return Expr.SetMark(options, rule.MarkId);
            yield return new NftNat(kind,
                new NftMapLookup(address, new NftSet([new NftMapping(Expr.Prefix(from), Expr.PrefixRange(to))])),
                null, ["netmap"], NftFamily.Payload(family));
        }
    }
}
