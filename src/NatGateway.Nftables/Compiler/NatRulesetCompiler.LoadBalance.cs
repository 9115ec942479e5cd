using NatGateway.Nat;
using NatGateway.Nftables.Schema;

namespace NatGateway.Nftables;

public static partial class NatRulesetCompiler
{
    /// <summary>The chain of backend <paramref name="index"/> of a load-balanced forward: <c>lb&lt;mark id&gt;_&lt;index&gt;</c>.</summary>
    public static string BackendChain(LoadBalanceRule rule, int index) => $"lb{rule.MarkId}_{index}";

    /// <summary>
    /// The jhash seed of a source-hash rule: the first four bytes of its id, so a client keeps its backend across applies and
    /// restarts (a random seed per apply would move every client at each apply).
    /// </summary>
    public static uint SourceHashSeed(LoadBalanceRule rule) => BitConverter.ToUInt32(rule.Id.ToByteArray(), 0);

    private sealed partial class TableBuilder
    {
        /// <summary>
        /// One public port to N backends, per protocol:
        /// <code>
        /// prerouting: iifname "wan0" fib daddr . iif type local meta l4proto tcp tcp dport 80 numgen inc mod 4 vmap { 0 : jump lb7_0, 1-2 : jump lb7_1, 3 : jump lb7_2 }
        ///             (source-hash: jhash ip saddr mod 4 seed 0x… vmap { … })
        /// chain lb7_1: meta l4proto tcp counter ct mark set ct mark &amp; ~mask | mark dnat to 10.0.0.12:8080
        /// (a timeout policy is attached by that mark from table inet natgw_ct: see NatRulesetCompiler.TimeoutTableCommands)
        /// </code>
        /// A backend of weight w owns w consecutive values of 0..W-1 (W = the sum of weights), so it gets w/W of the new flows.
        /// The dispatch rule has no counter: each backend's chain counts its own flows (comment "&lt;rule id&gt;#b&lt;index&gt; …"),
        /// and the rule's total is their sum. Anonymous verdict maps of single-type keys only (no concatenations: see
        /// STACK-NOTES). The NAT chain sees only a flow's first packet, so numgen/jhash choose once per connection and conntrack
        /// keeps the choice for the rest of it.
        /// </summary>
        private void AddLoadBalance(LoadBalanceRule rule)
        {
            var total = rule.Backends.Sum(b => b.Weight);
            var protocols = ForwardMatch.Expand(rule.Protocol).Order().Select(NftFamily.Protocol).ToList();
            var elements = new List<NftExpression>();
            var start = 0;
            for (var i = 0; i < rule.Backends.Count; i++)
            {
                var backend = rule.Backends[i];
                var chain = BackendChain(rule, i);
                _objects.Add(NftCommand.Add(new NftChain { Family = _family, Table = TableName, Name = chain }));
                var end = start + backend.Weight - 1;
                elements.Add(new NftMapping(
                    start == end ? new NftNumber(start) : new NftRange(new NftNumber(start), new NftNumber(end)),
                    new NftJumpVerdict(chain)));
                start = end + 1;
                foreach (var proto in protocols)
                    AddRule(chain, rule, RuleComment.ForBackend(rule, i), [
                        NftMatch.Equal(new NftMeta("l4proto"), proto),
                        new NftCounter(),
                        Expr.SetMark(options, rule.MarkId),
                        new NftNat(NftNatKind.Dnat, new NftString(backend.Address.ToString()),
                            backend.Port is { } port ? new NftNumber(port) : null, [])]);
            }
            NftExpression selector = rule.Method == BalanceMethod.SourceHash
                ? new NftJhash(new NftPayload(NftFamily.Payload(family), "saddr"), total, SourceHashSeed(rule))
                : new NftNumgen(total);
            foreach (var proto in protocols)
                AddRule(Prerouting, rule, [
                    .. Expr.Interfaces("iifname", rule.InInterfaces, negate: false),
                    .. Expr.Cidrs(family, "saddr", rule.SourceCidrs),
                    Expr.DestinationAddress(family, rule.DestinationAddress, withInputInterface: true),
                    NftMatch.Equal(new NftMeta("l4proto"), proto),
                    NftMatch.Equal(new NftPayload(proto, "dport"), Expr.Ports(rule.DestinationPort)),
                    new NftVerdictMapStatement(selector, new NftSet(elements))]);
        }
    }
}
