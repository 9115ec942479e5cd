using System.Text.Json.Nodes;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Nat.Tests.Compiler;

/// <summary>Every rule kind and option compiles to exactly the batch in its golden file.</summary>
public sealed class GoldenTests
{
    public static TheoryData<string> Names => new(GoldenCases.All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Compiles_to_the_golden_batch(string name)
    {
        var c = GoldenCases.All.Single(g => g.Name == name);
        var compiled = c.Compile();
        if (Golden.Updating) Golden.Write(c, compiled, NftablesNatEngine.RenderInScratchNamespace(compiled));
        var golden = Golden.Load(c);
        Assert.True(JsonNode.DeepEquals(golden["batch"], JsonNode.Parse(compiled.Json)),
            $"batch differs from Golden/{name}.json:\n{compiled.Batch.ToJson(indented: true)}");
        Assert.True(JsonNode.DeepEquals(golden["rules"], new JsonArray(c.Rules.Select(r => JsonNode.Parse(NatRuleJson.Serialize(r))).ToArray())));
        Assert.NotEmpty(golden["nftTable"]!.AsArray());
    }

    [Fact]
    public void Every_statement_and_expression_shape_the_compiler_can_emit_appears_in_some_golden()
    {
        var all = string.Concat(GoldenCases.All.Select(c => c.Compile().Json));
        string[] shapes =
        [
            "\"match\"", "\"counter\":null", "\"mangle\"", "\"jump\"", "\"dnat\"", "\"snat\"", "\"masquerade\":null", "\"masquerade\":{",
            "\"payload\"", "\"meta\"", "\"ct\"", "\"fib\"", "\"prefix\"", "\"range\"", "\"set\":[", "\"map\":{\"key\"", "\"elem\":{",
            "\"&\"", "\"|\"", "\"op\":\"!=\"", "\"op\":\"in\"", "\"flags\":[", "\"stmt\":[{\"counter\":null}]", "\"map\":\"ipv4_addr\"",
            "\"map\":\"inet_service\"", "\"map\":\"verdict\"", "\"map\":\"mark\"", "\"value\":{\"map\"", "\"vmap\":{", "\"jump\":{\"target\"", "\"delete\":{\"table\"", "\"hook\":\"output\"", "\"family\":\"ip6\"",
            "\"hook\":\"forward\"", "\"tcp option\":{", "\"rt\":{", "\"right\":\"syn\"",
            "\"redirect\":null", "\"redirect\":{\"port\":", "\"type_flags\":[\"prefix\"]", "\"flags\":[\"netmap\"]", "\"family\":\"ip6\",\"addr\"",
            "\"numgen\":{", "\"jhash\":{", "\"vmap\":{\"key\":{\"numgen\"", "\"data\":{\"set\":[", "\"ct timeout\":{", "\"ct timeout\":\"",
            "\"accept\":null",
        ];
        foreach (var shape in shapes) Assert.Contains(shape, all.Replace("\\u0026", "&"));
        // The shape that crashes libnftables 1.0.6 must never appear: a concatenated map/set type.
        Assert.DoesNotContain("\"type\":[", all);
        Assert.DoesNotContain(" . ", all);
        Assert.DoesNotContain("\"concat\"", all);
    }

    /// <summary>
    /// VRRP adverts must keep the sender's primary address (RFC 5798 §5.1.1.1, §5.1.2.1): whatever the rules (hairpin
    /// masquerades, SNAT, masquerade and prefix maps with any source and protocol, none at all), the first rule of both
    /// families' postrouting chains accepts protocol 112 untranslated, and no other rule does.
    /// </summary>
    [Fact]
    public void Every_postrouting_chain_starts_by_sparing_vrrp_whatever_the_rules()
    {
        var compilations = GoldenCases.All.Select(c => c.Compile()).Append(NatRulesetCompiler.Compile([]));
        foreach (var compiled in compilations)
            foreach (var family in new[] { "ip", "ip6" })
            {
                var postrouting = compiled.Batch.Commands.Select(c => c.Object).OfType<NatGateway.Nftables.Schema.NftRule>()
                    .Where(r => r.Family == family && r.Chain == NatRulesetCompiler.Postrouting).ToList();
                var first = postrouting[0];
                Assert.Equal(NatRulesetCompiler.VrrpComment, first.Comment);
                Assert.Equal(
                    [NatGateway.Nftables.Schema.NftMatch.Equal(new NatGateway.Nftables.Schema.NftMeta("l4proto"), new NatGateway.Nftables.Schema.NftString("vrrp")),
                     new NatGateway.Nftables.Schema.NftCounter(), new NatGateway.Nftables.Schema.NftAccept()],
                    first.Expressions);
                Assert.Single(postrouting, r => r.Comment == NatRulesetCompiler.VrrpComment);
            }
    }
}
