using Microsoft.Data.Sqlite;
using NatGateway.Core.Rules;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests.Rules;

/// <summary>A drift check's answer is reused only for the same list, the same MSS clamp and an unmoved ruleset generation.</summary>
public sealed class DriftCheckReuseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-drift-").FullName;
    private readonly InMemoryKernel _kernel = new("lan0", "wan0");
    private readonly NatRulesService _rules;

    public DriftCheckReuseTests()
    {
        var path = Path.Combine(_dir, "t.db");
        DatabaseSetup.Migrate(path);
        _rules = new NatRulesService(_kernel, new TestDbFactory(path), new NatCompileOptions(), TimeProvider.System);
    }

    public void Dispose()
    {
        _rules.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static IReadOnlyList<NatRule> List() => MarkIdAllocator.AssignMissing([NatRuleJson.Parse(
        """{"kind": "masquerade", "name": "out", "outInterfaces": ["wan0"], "sourceCidrs": ["10.77.1.0/24"]}""").Rule!]);

    [Fact]
    public void The_same_list_with_nothing_committed_since_is_not_checked_again_and_any_change_of_key_is()
    {
        var inForce = List();
        var first = _rules.DetectDrift(inForce);
        Assert.Same(first, _rules.DetectDrift(inForce));
        Assert.Equal(1, _kernel.RecordingNftables.DriftChecks);

        _rules.DetectDrift(inForce, ["wan0"]);                 // another clamp
        _rules.DetectDrift(List());                            // an equal list, but another instance (another revision)
        Assert.Equal(3, _kernel.RecordingNftables.DriftChecks);

        var again = List();
        _rules.DetectDrift(again);
        _rules.ApplyToKernel(again);                           // a commit: the generation moves
        _rules.DetectDrift(again);
        Assert.Equal(5, _kernel.RecordingNftables.DriftChecks);
    }
}
