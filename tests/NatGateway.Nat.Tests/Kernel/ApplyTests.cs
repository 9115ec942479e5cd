using System.Text.Json;
using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Nat.Tests.Kernel;

/// <summary>Apply in a real gateway namespace: differential listing, atomicity, the foreign table, drift.</summary>
public sealed class ApplyTests(GatewayLab gw) : IClassFixture<GatewayLab>
{
    private static readonly GoldenCase Maps = GoldenCases.All.Single(c => c.Name == "maps-plain-forwards");

    [KernelFact]
    public void Applied_table_listed_by_the_nft_cli_matches_the_expected_structure()
    {
        gw.Engine.Apply(NatRulesetCompiler.Compile(Maps.Rules, Maps.Options));
        using var listing = JsonDocument.Parse(gw.NftCli("-j", "list", "table", "ip", "natgw"));
        var items = listing.RootElement.GetProperty("nftables").EnumerateArray().ToList();

        var chains = items.Where(i => i.TryGetProperty("chain", out _)).Select(i => i.GetProperty("chain")).ToList();
        var baseChains = chains.Where(c => c.TryGetProperty("hook", out _))
            .Select(c => $"{c.GetProperty("name").GetString()} {c.GetProperty("type").GetString()} {c.GetProperty("hook").GetString()} {c.GetProperty("prio").GetInt32()}");
        Assert.Equal(["prerouting nat prerouting -100", "output nat output -100", "postrouting nat postrouting 100"], baseChains);

        // Prerouting keeps list order: segment 1 (tcp 8080, 53, 8081), segment 2 (udp 53), the restricted 8443 rule, segment 3 (8443);
        // each segment is a fast rule (mark straight from the map) and a rule for flows whose mark has other bits.
        var prerouting = items.Where(i => i.TryGetProperty("rule", out var r) && r.GetProperty("chain").GetString() == "prerouting")
            .Select(i => Describe(i.GetProperty("rule"))).ToList();
        Assert.Equal(["jump fwd1", "jump fwd1_keep", "jump fwd2", "jump fwd2_keep", $"comment {Rules.Id(3)}", "jump fwd3", "jump fwd3_keep"], prerouting);

        Assert.Equal(["53=131072", "8080=65536", "8081=262144"], MapElements(items, "fwd1_mark"));
        Assert.Equal(["53=10.77.2.3", "8080=10.77.2.2", "8081=10.77.2.2"], MapElements(items, "fwd1_addr"));
        Assert.Equal(["53=5353", "8080=80", "8081=81"], MapElements(items, "fwd1_port"));
        Assert.Equal(["53=10.77.2.3"], MapElements(items, "fwd2_addr"));
        Assert.Equal(["8443=327680"], MapElements(items, "fwd3_mark"));
        Assert.Equal(["8443=10.77.2.5"], MapElements(items, "fwd3_addr"));
    }

    private static string Describe(JsonElement rule)
    {
        foreach (var statement in rule.GetProperty("expr").EnumerateArray())
            if (statement.TryGetProperty("jump", out var jump)) return "jump " + jump.GetProperty("target").GetString();
        return "comment " + rule.GetProperty("comment").GetString()![..36];
    }

    private static string[] MapElements(List<JsonElement> items, string name)
    {
        var map = items.Select(i => i.TryGetProperty("map", out var m) ? m : default)
            .Single(m => m.ValueKind == JsonValueKind.Object && m.GetProperty("name").GetString() == name);
        return map.GetProperty("elem").EnumerateArray().Select(e =>
        {
            var key = e[0].ValueKind == JsonValueKind.Object ? e[0].GetProperty("elem").GetProperty("val") : e[0];
            return $"{key.GetRawText()}={e[1].ToString()}";
        }).Order(StringComparer.Ordinal).ToArray();
    }

    [KernelFact]
    public void An_invalid_batch_leaves_the_kernel_byte_identical_and_reports_libnftables_error()
    {
        gw.Apply(Rules.Forward(1, 8080, "10.77.2.2", 80), Rules.Masquerade(2));
        var before = gw.NftCli("-a", "list", "ruleset");

        // Valid up to the last command, which jumps to a chain that doesn't exist: the whole transaction must fail.
        var good = NatRulesetCompiler.Compile([Rules.Snat(3, "10.77.2.10"), Rules.Forward(4, 9090, "10.77.2.3", 90)]);
        var bad = good.Batch with
        {
            Commands = [.. good.Batch.Commands, Nftables.Schema.NftCommand.Add(new Nftables.Schema.NftRule
            {
                Family = "ip", Table = "natgw", Chain = "prerouting", Expressions = [new Nftables.Schema.NftJump("no_such_chain")],
            })],
        };
        var error = Assert.Throws<NftablesException>(() => gw.Engine.Apply(good with { Batch = bad, Json = bad.ToJson() }));
        Assert.False(string.IsNullOrWhiteSpace(error.NftError), "libnftables error text expected");
        Assert.Contains(error.NftError.Trim(), error.Message);

        Assert.Equal(before, gw.NftCli("-a", "list", "ruleset"));
    }

    [KernelFact]
    public void A_dry_run_check_changes_nothing()
    {
        gw.Apply(Rules.Masquerade(1));
        var before = gw.NftCli("-a", "list", "ruleset");
        gw.Engine.Check(NatRulesetCompiler.Compile(Maps.Rules, Maps.Options));
        Assert.Equal(before, gw.NftCli("-a", "list", "ruleset"));
    }

    [KernelFact]
    public void The_foreign_table_survives_every_apply_untouched()
    {
        var before = gw.NftCli("-a", "list", "table", "inet", "foreign");
        gw.Apply(Rules.Masquerade(1));
        gw.Engine.Apply(NatRulesetCompiler.Compile(Maps.Rules, Maps.Options));
        gw.Apply();
        Assert.ThrowsAny<NftablesException>(() => gw.Engine.Apply(NatRulesetCompiler.Compile([Rules.Masquerade(1)]) with { Json = """{"nftables":[{"add":{"table":{"family":"ip","name":"natgw"}}},{"delete":{"table":{"family":"ip","name":"natgw"}}},{"add":{"rule":{"family":"ip","table":"natgw","chain":"gone","expr":[]}}}]}""" }));
        gw.Apply(Rules.Forward(1, 8080, "10.77.2.2", 80) with { Hairpin = true });
        Assert.Equal(before, gw.NftCli("-a", "list", "table", "inet", "foreign"));
        // And only our tables plus the foreign one exist.
        var tables = gw.NftCli("list", "tables").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToArray();
        Assert.Equal(["table inet foreign", "table ip natgw", "table ip6 natgw"], tables);
    }

    [KernelFact]
    public void The_ruleset_generation_moves_with_every_commit_ours_or_by_hand_and_not_with_reads()
    {
        var compiled = gw.Engine.Compile([Rules.Forward(1, 8080, "10.77.2.2", 80), Rules.Masquerade(2)]);
        gw.Engine.Apply(compiled);
        var applied = gw.Engine.Generation();
        Assert.NotNull(applied);
        gw.Engine.DetectDrift(compiled);
        gw.Engine.ReadCounters();
        gw.NftCli("list", "ruleset");
        Assert.Equal(applied, gw.Engine.Generation());

        gw.NftCli("add", "table", "ip", "generation_probe");
        var byHand = gw.Engine.Generation();
        Assert.NotEqual(applied, byHand);
        gw.NftCli("delete", "table", "ip", "generation_probe");
        Assert.NotEqual(byHand, gw.Engine.Generation());
        var deleted = gw.Engine.Generation();
        gw.Engine.Apply(compiled);
        Assert.NotEqual(deleted, gw.Engine.Generation());
    }

    [KernelFact]
    public void Drift_is_detected_as_a_readable_diff_and_cleared_by_reapplying()
    {
        var compiled = gw.Engine.Compile([Rules.Forward(1, 8080, "10.77.2.2", 80), Rules.Masquerade(2)]);
        gw.Engine.Apply(compiled);
        Assert.False(gw.Engine.DetectDrift(compiled).HasDrift);

        gw.NftCli("add", "rule", "ip", "natgw", "prerouting", "tcp", "dport", "2222", "dnat", "to", "10.77.2.3");
        var drift = gw.Engine.DetectDrift(compiled);
        Assert.True(drift.HasDrift);
        Assert.Contains(drift.Diff, l => l.StartsWith("+ ") && l.Contains("tcp dport 2222 dnat to 10.77.2.3"));
        Assert.DoesNotContain(drift.Diff, l => l.StartsWith("- "));

        gw.NftCli("delete", "table", "ip", "natgw");
        var gone = gw.Engine.DetectDrift(compiled);
        Assert.True(gone.HasDrift);
        Assert.Contains(gone.Diff, l => l.StartsWith("- ") && l.Contains("masquerade"));

        gw.Engine.Apply(compiled);
        Assert.False(gw.Engine.DetectDrift(compiled).HasDrift);
    }

    [KernelFact]
    public void A_missing_table_is_drift_only_when_the_ruleset_puts_rules_in_it()
    {
        // Nothing applied yet (a fresh install whose revision in force changed only settings): no table is no drift.
        var empty = gw.Engine.Compile([]);
        gw.Engine.Apply(empty);
        gw.NftCli("delete", "table", "ip", "natgw");
        gw.NftCli("delete", "table", "ip6", "natgw");
        Assert.False(gw.Engine.DetectDrift(empty).HasDrift, gw.Engine.DetectDrift(empty).ToString());

        // IPv4 rules only: the ip6 table holds nothing, so its absence changes nothing; the ip table's absence does.
        var compiled = gw.Engine.Compile([Rules.Masquerade(1)]);
        gw.Engine.Apply(compiled);
        gw.NftCli("delete", "table", "ip6", "natgw");
        Assert.False(gw.Engine.DetectDrift(compiled).HasDrift);
        gw.NftCli("delete", "table", "ip", "natgw");
        var gone = gw.Engine.DetectDrift(compiled);
        Assert.True(gone.HasDrift);
        Assert.Contains(gone.Diff, l => l.StartsWith("- ") && l.Contains("masquerade"));
    }

    [KernelFact]
    public void Compile_renders_the_kernels_own_text_for_the_preview()
    {
        var compiled = gw.Engine.Compile([Rules.Forward(1, 8080, "10.77.2.2", 80) with { SourceCidrs = [IpPrefix.Parse("10.77.1.0/24")] }]);
        Assert.Contains("table ip natgw {", compiled.NftText);
        Assert.Contains("ip saddr 10.77.1.0/24 fib daddr . iif type local tcp dport 8080 counter ct mark set", compiled.NftText);
        Assert.Contains("dnat to 10.77.2.2:80", compiled.NftText);
    }
}
