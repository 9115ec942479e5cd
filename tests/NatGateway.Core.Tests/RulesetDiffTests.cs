using NatGateway.Core.Revisions;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests;

/// <summary>
/// The diff a revision keeps (rule changes, then the ruleset's lines through DiffPlex) for a moved and a changed rule:
/// readable (what moved and what changed, with two lines of context) and stable (pinned here line for line).
/// </summary>
public sealed class RulesetDiffTests
{
    private static DnatRule Restricted(int n, int port, int targetPort) => new()
    {
        Id = Guid.Parse($"00000000-0000-0000-0000-{n:D12}"), Name = $"fwd{n}", MarkId = n, Position = n - 1, InInterfaces = ["lan0"],
        Protocol = NatProtocol.Tcp, SourceCidrs = [IpPrefix.Parse("10.77.1.0/24")], DestinationPort = new PortRange(port),
        TargetAddress = AddressPool.Parse("10.77.2.2"), TargetPort = new PortRange(targetPort),
    };

    private static string Text(IReadOnlyList<NatRule> rules) => NftListingText.Render(NatRulesetCompiler.Compile(rules));

    [Fact]
    public void A_moved_and_a_changed_rule_read_as_such_in_the_rule_and_ruleset_diff()
    {
        NatRule a = Restricted(1, 8080, 80), b = Restricted(2, 8443, 443), c = Restricted(3, 9000, 90);
        IReadOnlyList<NatRule> before = [a, b, c];
        IReadOnlyList<NatRule> after = [b with { Position = 0 }, a with { Position = 1 }, Restricted(3, 9000, 91)];

        var diff = RevisionStore.DescribeRules(before, after, Text(before), Text(after));

        string Rule(int n, int port, int target) =>
            $"\t\tiifname \"lan0\" ip saddr 10.77.1.0/24 fib daddr . iif type local tcp dport {port} counter " +
            $"ct mark set ct mark & 0x000{n}ffff | 0x000{n}0000 dnat to 10.77.2.2:{target} comment \"00000000-0000-0000-0000-00000000000{n} fwd{n}\"";
        string[] expected =
        [
            "changed fwd2", "    moved from position 2 to 1",
            "changed fwd1", "    moved from position 1 to 2",
            "changed fwd3", "    targetPort: \"90\" → \"91\"",
            "ruleset:",
            TextDiff.Gap,
            "  \tchain prerouting {",
            "  \t\ttype nat hook prerouting priority dstnat; policy accept;",
            "+ " + Rule(2, 8443, 443),
            "  " + Rule(1, 8080, 80),
            "- " + Rule(2, 8443, 443),
            "- " + Rule(3, 9000, 90),
            "+ " + Rule(3, 9000, 91),
            "  \t}",
            "  \tchain output {",
            TextDiff.Gap,
        ];
        Assert.Equal(expected, diff.TrimEnd('\n').Split('\n').Select(l => l.TrimEnd('\r')).ToArray());
        // The same input gives the same lines (no hash or timing dependence).
        Assert.Equal(diff, RevisionStore.DescribeRules(before, after, Text(before), Text(after)));
    }
}
