using NatGateway.Nat;
using NatGateway.Nftables.Schema;

namespace NatGateway.Nftables;

public static partial class NatRulesetCompiler
{
    private sealed partial class TableBuilder
    {
        /// <summary>
        /// The <c>ct timeout set "…"</c> statement(s) for a rule's timeout policy, placed before its NAT statement.
        /// <paramref name="proto"/> is the nft protocol of the rule being emitted ("tcp"/"udp"), null when it matches any.
        /// Placeholder (i14-base): the kinds-balance helper adds the objects and statements.
        /// </summary>
        private IEnumerable<NftStatement> TimeoutSet(NatRule rule, string? proto) =>
            rule.Timeouts is null ? [] : throw new NotSupportedException("conntrack timeout policies are not compiled yet");
    }
}
