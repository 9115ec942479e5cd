using NatGateway.Nat;

namespace NatGateway.Nftables;

public static partial class NatRulesetCompiler
{
    private sealed partial class TableBuilder
    {
        // Placeholder (i14-base): the kinds-prefix helper compiles redirects.
        private void AddRedirect(RedirectRule rule) =>
            throw new NotSupportedException($"{rule.Kind} rules are not compiled yet");
    }
}
