using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>Targeted purge: after a rule is removed, only the live connections it created are deleted.</summary>
public abstract class PurgeKernelTests(KernelMode mode)
{
    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    [KernelFact]
    public async Task Applying_with_purge_deletes_exactly_the_flows_of_the_removed_rule()
    {
        using var lab = NamespaceLab.Create();
        lab.StartTcpServer(lab.Server, 80, "nc", ["-k", "-l", "-p", "80"]);
        lab.StartTcpServer(lab.Server, 81, "nc", ["-k", "-l", "-p", "81"]);
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: mode);
        lab.Sysctl(lab.Gateway, "net.ipv4.ip_forward", "1");
        lab.KeepConntrackEntries(lab.Gateway); // the counts below must not shrink by expiry on a slow run

        async Task<(Guid Id, int Mark)> AddAsync(string name, int port, int target)
        {
            using var response = await app.Http.PostAsync("api/v1/rules", Json($$"""
                {"kind": "dnat", "name": "{{name}}", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "{{port}}",
                 "targetAddress": "{{NamespaceLab.ServerAddress}}", "targetPort": "{{target}}"}
                """));
            var rule = await response.Content.ReadFromJsonAsync<JsonElement>();
            return (rule.GetProperty("id").GetGuid(), rule.GetProperty("markId").GetInt32());
        }
        var a = await AddAsync("a", 8080, 80);
        var b = await AddAsync("b", 8081, 81);
        (await app.Http.PostAsync("api/v1/rules/apply", Json("{}"))).EnsureSuccessStatusCode();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(lab.TcpConnects(lab.Client, NamespaceLab.GatewayLanAddress, 8080));
            Assert.True(lab.TcpConnects(lab.Client, NamespaceLab.GatewayLanAddress, 8081));
        }
        int FlowsWithMark(int markId) => lab.Exec(lab.Gateway, "conntrack", "-L", "--mark", $"{(uint)markId << 16}/0xffff0000").StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.Equal(3, FlowsWithMark(a.Mark));
        Assert.Equal(3, FlowsWithMark(b.Mark));

        (await app.Http.DeleteAsync($"api/v1/rules/{a.Id}")).EnsureSuccessStatusCode();
        var flows = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/rules/flows");
        Assert.Equal([a.Mark], flows.GetProperty("changedMarkIds").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal(3, flows.GetProperty("perRule").EnumerateArray().Single(r => r.GetProperty("ruleId").GetGuid() == a.Id).GetProperty("flows").GetInt64());

        using var apply = await app.Http.PostAsync("api/v1/rules/apply", Json("""{"comment": "drop a", "purgeChangedFlows": true}"""));
        apply.EnsureSuccessStatusCode();
        var result = await apply.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("deleted 3 live connection(s)", result.GetProperty("outcome").GetString());

        Assert.Equal(0, FlowsWithMark(a.Mark));
        Assert.Equal(3, FlowsWithMark(b.Mark));
    }
}

/// <summary><see cref="PurgeKernelTests"/> with natgw in one root process.</summary>
public sealed class PurgeKernelTestsSingleProcess() : PurgeKernelTests(KernelMode.SingleProcess);

/// <summary><see cref="PurgeKernelTests"/> with an unprivileged web process and <c>natgw agent</c>.</summary>
public sealed class PurgeKernelTestsAgent() : PurgeKernelTests(KernelMode.Agent);
