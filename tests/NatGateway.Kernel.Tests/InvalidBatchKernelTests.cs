using System.Text.Json.Nodes;
using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// An apply is one nftables transaction: a batch that fails anywhere — here at its very end, after our table
/// was already deleted and rebuilt inside the batch — must leave the kernel's whole ruleset byte-identical.
/// </summary>
public sealed class InvalidBatchKernelTests(ITestOutputHelper output)
{
    [KernelFact]
    public void A_hundred_batches_that_fail_at_their_last_command_leave_the_ruleset_byte_identical()
    {
        using var lab = NamespaceLab.Create();
        lab.Exec(lab.Gateway, "nft", "add table inet foreign; add chain inet foreign input { type filter hook input priority 0; }; add rule inet foreign input tcp dport 22 counter accept")
            .EnsureSuccess("foreign table");
        // nft in a child process inside the lab gateway: a libnftables crash could only kill that child.
        var backend = new NftProcessBackend(commandPrefix: ["ip", "netns", "exec", lab.Gateway]);
        var engine = new NftablesNatEngine(backend);
        var rules = Enumerable.Range(0, 20).Select(i => (NatRule)NatRuleJson.Parse($$"""
            {"kind": "dnat", "name": "f{{i}}", "markId": {{i + 1}}, "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "{{8000 + i}}", "targetAddress": "10.77.2.2", "targetPort": "80"}
            """).Rule!).ToList();
        rules.Add(NatRuleJson.Parse("""{"kind": "masquerade", "name": "m", "markId": 99, "outInterfaces": ["wan0"], "sourceCidrs": ["10.77.1.0/24"]}""").Rule!);
        var compiled = engine.CompileOnly(rules);
        engine.Apply(compiled);
        var before = lab.Exec(lab.Gateway, "nft", "list", "ruleset").StandardOutput;
        Assert.Contains("table inet foreign", before);

        var identical = 0;
        for (var i = 0; i < 100; i++)
        {
            var batch = JsonNode.Parse(compiled.Json)!.AsObject();
            batch["nftables"]!.AsArray().Add(FailingCommand(i));
            var e = Assert.Throws<NftablesException>(() => backend.Run(batch.ToJsonString(), json: true));
            Assert.False(string.IsNullOrWhiteSpace(e.NftError));
            if (lab.Exec(lab.Gateway, "nft", "list", "ruleset").StandardOutput == before) identical++;
        }
        output.WriteLine($"{identical} of 100 invalid batches left the ruleset byte-identical");
        Assert.Equal(100, identical);
    }

    /// <summary>Four kinds of late failure, each inside our own table: missing chain, missing map, missing jump target, bad address.</summary>
    private static JsonObject FailingCommand(int i) => (i % 4) switch
    {
        0 => Add("rule", new JsonObject { ["family"] = "ip", ["table"] = "natgw", ["chain"] = $"missing_{i}", ["expr"] = new JsonArray(new JsonObject { ["accept"] = null }) }),
        1 => Add("element", new JsonObject { ["family"] = "ip", ["table"] = "natgw", ["name"] = $"nomap_{i}", ["elem"] = new JsonArray(8000 + i) }),
        2 => Add("rule", new JsonObject
        {
            ["family"] = "ip", ["table"] = "natgw", ["chain"] = "prerouting",
            ["expr"] = new JsonArray(new JsonObject { ["jump"] = new JsonObject { ["target"] = $"nowhere_{i}" } }),
        }),
        _ => Add("rule", new JsonObject
        {
            ["family"] = "ip", ["table"] = "natgw", ["chain"] = "prerouting",
            ["expr"] = new JsonArray(new JsonObject { ["dnat"] = new JsonObject { ["addr"] = $"10.0.{i}.300" } }),
        }),
    };

    private static JsonObject Add(string kind, JsonObject body) => new() { ["add"] = new JsonObject { [kind] = body } };
}
