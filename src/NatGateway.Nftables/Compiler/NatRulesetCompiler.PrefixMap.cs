using NatGateway.Nat;

namespace NatGateway.Nftables;

public static partial class NatRulesetCompiler
{
    private sealed partial class TableBuilder
    {
        // Placeholder (i14-base): the kinds-prefix helper compiles 1:1 NAT and NPTv6.
        private void AddPrefixMapInbound(PrefixMapRule rule) =>
            throw new NotSupportedException($"{rule.Kind} rules are not compiled yet");

        private void AddPrefixMapOutbound(PrefixMapRule rule) =>
            throw new NotSupportedException($"{rule.Kind} rules are not compiled yet");
    }
}
