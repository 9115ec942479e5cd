using NatGateway.Nat;

namespace NatGateway.Nftables;

public static partial class NatRulesetCompiler
{
    private sealed partial class TableBuilder
    {
        // Placeholder (i14-base): the kinds-balance helper compiles load-balanced forwards.
        private void AddLoadBalance(LoadBalanceRule rule) =>
            throw new NotSupportedException($"{rule.Kind} rules are not compiled yet");
    }
}
