using System.Text.Json.Nodes;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Nat.Tests.Compiler;

public sealed class CompileOptionsTests
{
    [Fact]
    public void Table_names_are_configurable_and_nothing_else_is_addressed()
    {
        var compiled = NatRulesetCompiler.Compile([Rules.Masquerade(1)], new NatCompileOptions { Ipv4Table = "edge4", Ipv6Table = "edge6", TimeoutTable = "edge_ct" });
        var tables = JsonNode.Parse(compiled.Json)!["nftables"]!.AsArray()
            .Select(c => c!.AsObject().First().Value!.AsObject().First().Value!)
            .Select(o => (o["family"]!.GetValue<string>(), (o["table"] ?? o["name"])!.GetValue<string>()))
            .Distinct().ToArray();
        Assert.Equal([("ip", "edge4"), ("ip6", "edge6"), ("inet", "edge_ct")], tables);
        Assert.Equal([new NftTableName("ip", "edge4"), new NftTableName("ip6", "edge6"), new NftTableName("inet", "edge_ct")], compiled.Tables);
    }

    [Theory]
    [InlineData(0xffff0000u, 16, 65535u)]
    [InlineData(0x00ff0000u, 16, 255u)]
    [InlineData(0x0000fff0u, 4, 4095u)]
    public void Mark_layout_follows_the_mask(uint mask, int shift, uint maxId)
    {
        var options = new NatCompileOptions { MarkMask = mask };
        Assert.Equal(shift, options.MarkShift);
        Assert.Equal(maxId, options.MaxMarkId);
        Assert.Equal(7, options.MarkIdOf(options.MarkValue(7) | ~mask));
    }

    [Fact]
    public void Rules_set_the_mark_under_the_configured_mask_only()
    {
        var compiled = NatRulesetCompiler.Compile([Rules.Masquerade(3)], new NatCompileOptions { MarkMask = 0x00ff0000 });
        // ct mark set ct mark & ~0x00ff0000 | 3 << 16
        Assert.Contains("{\"mangle\":{\"key\":{\"ct\":{\"key\":\"mark\"}},\"value\":{\"|\":[{\"\\u0026\":[{\"ct\":{\"key\":\"mark\"}},4278255615]},196608]}}}", compiled.Json);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(0x00ff00ffu)]
    public void Unusable_masks_are_rejected(uint mask) =>
        Assert.Throws<ArgumentException>(() => NatRulesetCompiler.Compile([], new NatCompileOptions { MarkMask = mask }));

    [Fact]
    public void Unsafe_table_names_are_rejected() =>
        Assert.Throws<ArgumentException>(() => NatRulesetCompiler.Compile([], new NatCompileOptions { Ipv4Table = "x; flush ruleset" }));

    [Fact]
    public void Missing_duplicate_or_oversized_mark_ids_and_invalid_rules_do_not_compile()
    {
        var error = Assert.Throws<NatCompileException>(() => NatRulesetCompiler.Compile(
        [
            Rules.Masquerade(1) with { MarkId = 0 },
            Rules.Masquerade(2) with { MarkId = 5 },
            Rules.Masquerade(3) with { MarkId = 5 },
            Rules.Masquerade(4) with { MarkId = 300 },
            Rules.Masquerade(6) with { OutInterfaces = [] },
        ], new NatCompileOptions { MarkMask = 0x000000ff }));
        Assert.Equal([Rules.Id(1), Rules.Id(3), Rules.Id(4), Rules.Id(6)], error.Problems.Select(p => p.RuleId).ToArray());
    }

    [Fact]
    public void Compiled_rules_report_their_mark_and_map_segment()
    {
        var compiled = NatRulesetCompiler.Compile([Rules.Forward(1, 8080, "10.77.2.2", 80), Rules.Masquerade(2)]);
        Assert.Equal("fwd1", compiled.Rules[0].MapSegment);
        Assert.Null(compiled.Rules[1].MapSegment);
        Assert.Equal(0x00020000u, compiled.Rules[1].MarkValue);
        Assert.Equal(Rules.Id(2), compiled.RuleByMarkId(2)!.RuleId);
    }
}
