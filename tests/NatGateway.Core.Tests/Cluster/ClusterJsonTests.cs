using NatGateway.Core.Cluster;
using Xunit;

namespace NatGateway.Core.Tests.Cluster;

/// <summary>The cluster configuration's one JSON shape and its validation: round trip, and each rule's error at its JSON path.</summary>
public sealed class ClusterJsonTests
{
    private const string Valid = ClusterSamples.Valid;

    private static ClusterConfig Config() => ClusterSamples.Config();

    /// <summary><see cref="Valid"/> with one value replaced (textually: the tests read like the body an operator sends).</summary>
    private static Dictionary<string, string[]> ErrorsOf(string from, string to)
    {
        Assert.Contains(from, Valid);
        var (config, errors) = ClusterJson.Parse(Valid.Replace(from, to));
        Assert.Null(config);
        return errors;
    }

    [Fact]
    public void A_valid_configuration_round_trips_through_its_json()
    {
        var (config, errors) = ClusterJson.Parse(Valid);
        Assert.Empty(errors);
        Assert.NotNull(config);
        Assert.Equal(TimeSpan.FromMilliseconds(100), config.AdvertInterval);
        Assert.Equal(ClusterNodeRole.Primary, config.Local.Role);
        Assert.False(config.Local.StandDown);
        Assert.Equal(150, config.Local.EffectivePriority);
        var again = ClusterJson.Parse(ClusterJson.Serialize(config));
        Assert.Empty(again.Errors);
        Assert.Equal(ClusterJson.Serialize(config), ClusterJson.Serialize(again.Config!));
        Assert.Contains("\"advertIntervalSeconds\": 0.1", ClusterJson.Serialize(config));
    }

    [Fact]
    public void Standing_down_runs_with_the_lowest_priority()
    {
        var config = Config();
        var down = config with { Local = config.Local with { StandDown = true } };
        Assert.Equal(ClusterNode.StandDownPriority, down.Local.EffectivePriority);
        Assert.Equal(150, down.Local.Priority);
        Assert.True(ClusterJson.Parse(ClusterJson.Serialize(down)).Config!.Local.StandDown);
    }

    [Theory]
    [InlineData("\"virtualRouterId\": 51", "\"virtualRouterId\": 0", "virtualRouterId")]
    [InlineData("\"virtualRouterId\": 51", "\"virtualRouterId\": 256", "virtualRouterId")]
    [InlineData("\"priority\": 150", "\"priority\": 255", "local.priority")]
    [InlineData("\"priority\": 150", "\"priority\": 0", "local.priority")]
    [InlineData("\"advertIntervalSeconds\": 0.1", "\"advertIntervalSeconds\": 0.015", "advertIntervalSeconds")]
    [InlineData("\"advertIntervalSeconds\": 0.1", "\"advertIntervalSeconds\": 40.96", "advertIntervalSeconds")]
    [InlineData("\"advertIntervalSeconds\": 0.1", "\"advertIntervalSeconds\": 0", "advertIntervalSeconds")]
    [InlineData("\"syncPort\": 5443", "\"syncPort\": 0", "peer.syncPort")]
    [InlineData("\"syncPort\": 5443", "\"syncPort\": 65536", "peer.syncPort")]
    [InlineData("\"insideInterface\": \"lan0\"", "\"insideInterface\": \"lan*\"", "local.insideInterface")]
    [InlineData("\"insideInterface\": \"lan0\"", "\"insideInterface\": \"a-name-longer-than-15\"", "local.insideInterface")]
    [InlineData("\"outsideInterface\": \"wan0\"", "\"outsideInterface\": \"wan 0\"", "local.outsideInterface")]
    [InlineData("\"outsideInterface\": \"wan0\"", "\"outsideInterface\": \"lan0\"", "local.outsideInterface")]
    [InlineData("\"syncInterface\": \"sync0\"", "\"syncInterface\": \"wan0\"", "local.syncInterface")]
    [InlineData("\"syncAddress\": \"10.77.3.2\"", "\"syncAddress\": \"10.77.4.2\"", "peer.syncAddress")]
    [InlineData("\"syncAddress\": \"10.77.3.2\"", "\"syncAddress\": \"10.77.3.1\"", "peer.syncAddress")]
    [InlineData("\"syncAddress\": \"10.77.3.2\"", "\"syncAddress\": \"fd77::2\"", "peer.syncAddress")]
    [InlineData("\"syncAddress\": \"10.77.3.2\"", "\"syncAddress\": \"10.77.3.2/30\"", "peer.syncAddress")]
    [InlineData("\"syncAddress\": \"10.77.3.1/30\"", "\"syncAddress\": \"10.77.3.0/30\"", "local.syncAddress")]
    [InlineData("\"syncAddress\": \"10.77.3.1/30\"", "\"syncAddress\": \"10.77.3.1\"", "local.syncAddress")]
    [InlineData("\"address\": \"10.77.1.1/24\"", "\"address\": \"224.0.0.18/24\"", "virtualAddresses[0].address")]
    [InlineData("\"address\": \"10.77.1.1/24\"", "\"address\": \"10.77.1.1/33\"", "virtualAddresses[0].address")]
    [InlineData("\"address\": \"10.77.1.1/24\"", "\"address\": \"10.77.1.255/24\"", "virtualAddresses[0].address")]
    [InlineData("\"address\": \"10.77.2.1/24\"", "\"address\": \"10.77.1.1/24\"", "virtualAddresses[1].address")]
    [InlineData("{\"side\": \"inside\", \"address\": \"10.77.1.1/24\"}, ", "{\"side\": \"inside\", \"address\": \"10.77.1.1/24\"}, {\"side\": \"inside\", \"address\": \"10.77.1.1/33\"}, ", "virtualAddresses[1].address")]
    [InlineData("\"side\": \"outside\"", "\"side\": \"outer\"", "virtualAddresses[1].side")]
    [InlineData("\"name\": \"gw2\"", "\"name\": \"GW1\"", "peer.name")]
    [InlineData("\"name\": \"gw1\"", "\"name\": \"gw 1\"", "local.name")]
    [InlineData("\"role\": \"primary\"", "\"role\": \"master\"", "local.role")]
    [InlineData("\"enabled\": true", "\"enabled\": \"yes\"", "enabled")]
    [InlineData("\"enabled\": true, ", "\"enabled\": true, \"preempt\": false, ", "preempt")]
    [InlineData("\"syncPort\": 5443", "\"syncPort\": 5443, \"secret\": \"x\"", "peer.secret")]
    public void Each_invalid_value_is_named_by_its_json_path(string from, string to, string field)
    {
        var errors = ErrorsOf(from, to);
        Assert.True(errors.ContainsKey(field), $"expected an error at {field}, got: {string.Join(", ", errors.Keys)}");
        Assert.All(errors[field], m => Assert.False(string.IsNullOrWhiteSpace(m)));
    }

    [Fact]
    public void Both_sides_need_a_virtual_address()
    {
        var errors = ErrorsOf(", {\"side\": \"outside\", \"address\": \"10.77.2.1/24\"}", "");
        Assert.Contains(errors["virtualAddresses"], m => m.Contains("outside", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_section_is_required_and_nothing_else_is_guessed()
    {
        var (config, errors) = ClusterJson.Parse("""{"enabled": false}""");
        Assert.Null(config);
        Assert.Equal(["advertIntervalSeconds", "local", "peer", "virtualAddresses", "virtualRouterId"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Masquerade_is_refused_only_in_cluster_mode_and_converts_to_snat_to_the_outside_vip_keeping_identity()
    {
        var config = Config();
        var m = new NatGateway.Nat.MasqueradeRule
        {
            Name = "lan out", OutInterfaces = ["wan0"], SourceCidrs = [NatGateway.Nat.IpPrefix.Parse("10.77.1.0/24")], MarkId = 7, Position = 3,
        };
        Assert.Null(ClusterRulePolicy.Refusal(m, config with { Enabled = false }));
        Assert.Null(ClusterRulePolicy.Refusal(m with { Enabled = false }, config));
        var refusal = ClusterRulePolicy.Refusal(m, config);
        Assert.NotNull(refusal);
        Assert.Equal("kind", refusal.Field);
        Assert.Contains("10.77.2.1", refusal.Message);

        var snat = ClusterRulePolicy.ToSnat(m, config)!;
        Assert.Equal((m.Id, m.Name, m.MarkId, m.Position), (snat.Id, snat.Name, snat.MarkId, snat.Position));
        Assert.Equal(m.OutInterfaces, snat.OutInterfaces);
        Assert.Equal(m.SourceCidrs, snat.SourceCidrs);
        Assert.Equal("10.77.2.1", snat.TranslateTo.ToString());
        Assert.Null(ClusterRulePolicy.ToSnat(m with { Family = NatGateway.Nat.NatFamily.Ipv6 }, config));
    }
}
