using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>One lab and one natgw (in the gateway namespace, single-process: it reads the lab's ruleset itself) shared by
/// the lint cases; natgw plans 1,000 SNAT flows per destination (Lint:SnatFlowsPerDestination).</summary>
public sealed class LintLab : IAsyncLifetime
{
    public const long PlannedSnatFlows = 1000;

    public NamespaceLab Lab { get; private set; } = null!;
    public NatgwProcess App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (Root.SkipReason is not null) return;
        Lab = NamespaceLab.Create();
        App = await NatgwProcess.StartAsync(Lab, Lab.Gateway, NamespaceLab.GatewayLanAddress,
            environment: new Dictionary<string, string> { ["Lint__SnatFlowsPerDestination"] = PlannedSnatFlows.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    public async Task DisposeAsync()
    {
        if (App is not null) await App.DisposeAsync();
        Lab?.Dispose();
    }
}

/// <summary>
/// Lint before apply against a real host (issue 14): each finding is produced by a lab setup that causes it, read from
/// GET /api/v1/rules/lint (and the pending changes), and is gone once the cause is removed. The foreign table is the
/// lab's own <c>table inet filter</c> in the lab's gateway namespace: natgw only reads it.
/// </summary>
public sealed class LintKernelTests(LintLab fixture) : IClassFixture<LintLab>
{
    private NatgwProcess App => fixture.App;
    private NamespaceLab Lab => fixture.Lab;

    [KernelFact]
    public async Task A_forward_dropped_by_a_foreign_forward_policy_is_flagged_until_an_accept_rule_lets_it_through()
    {
        var id = await CreateAsync("""
            {"kind": "dnat", "name": "lint-foreign", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "8080",
             "targetAddress": "10.77.2.2", "targetPort": "80", "hairpin": true}
            """);
        try
        {
            Nft("add table inet filter; add chain inet filter forward { type filter hook forward priority 0; policy drop; }");
            var rulesetBefore = Nft("list ruleset");
            var finding = Assert.Single(await FindingsAsync(id, "ForeignForwardDrop"));
            Assert.Contains("table inet filter chain forward (policy drop)", finding);
            Assert.Contains("10.77.2.2:80/tcp", finding);
            // Read only: the foreign table is exactly as the lab made it.
            Assert.Equal(rulesetBefore, Nft("list ruleset"));
            // The pending bar's source carries the same finding.
            var pending = await App.Http.GetFromJsonAsync<JsonElement>("api/v1/rules/pending");
            Assert.Contains(pending.GetProperty("lint").GetProperty("findings").EnumerateArray(),
                f => f.GetProperty("ruleId").GetGuid() == id && f.GetProperty("kind").GetString() == "ForeignForwardDrop");

            // A drop rule that matches the forward is named by its handle.
            Nft("insert rule inet filter forward tcp dport 80 ip daddr 10.77.2.0/24 drop");
            Assert.Contains("rule handle", Assert.Single(await FindingsAsync(id, "ForeignForwardDrop")));

            // The cause removed: forwarded (DNAT) connections are accepted first.
            Nft("insert rule inet filter forward ct status dnat accept");
            Assert.Empty(await FindingsAsync(id, "ForeignForwardDrop"));
        }
        finally
        {
            Nft("delete table inet filter");
            await DeleteAsync(id);
        }
    }

    [KernelFact]
    public async Task A_dnat_target_without_a_route_is_flagged_until_a_route_covers_it()
    {
        var id = await CreateAsync("""
            {"kind": "dnat", "name": "lint-unrouted", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "8081",
             "targetAddress": "192.0.2.50", "targetPort": "80"}
            """);
        try
        {
            Assert.Contains("no route to 192.0.2.50", Assert.Single(await FindingsAsync(id, "DnatTargetUnrouted")));
            Lab.Exec(Lab.Gateway, "ip", "route", "add", "192.0.2.0/24", "via", NamespaceLab.ServerAddress).EnsureSuccess("ip route add");
            Assert.Empty(await FindingsAsync(id, "DnatTargetUnrouted"));
        }
        finally
        {
            Lab.Exec(Lab.Gateway, "ip", "route", "del", "192.0.2.0/24");
            await DeleteAsync(id);
        }
    }

    [KernelFact]
    public async Task Masquerade_on_an_interface_without_an_address_is_flagged_until_it_gets_one()
    {
        // A veth pair (this kernel has no dummy driver), both ends in the gateway: lint0 starts with no address.
        Lab.Exec(Lab.Gateway, "ip", "link", "add", "lint0", "type", "veth", "peer", "name", "lint1").EnsureSuccess("ip link add lint0");
        var id = Guid.Empty;
        try
        {
            id = await CreateAsync("""{"kind": "masquerade", "name": "lint-noaddr", "outInterfaces": ["lint0"], "sourceCidrs": ["10.77.1.0/24"]}""");
            Assert.Contains("'lint0' has no IPv4 address", Assert.Single(await FindingsAsync(id, "MasqueradeWithoutAddress")));
            Lab.Exec(Lab.Gateway, "ip", "addr", "add", "198.51.100.1/24", "dev", "lint0").EnsureSuccess("ip addr add");
            Assert.Empty(await FindingsAsync(id, "MasqueradeWithoutAddress"));
        }
        finally
        {
            Lab.Exec(Lab.Gateway, "ip", "link", "del", "lint0");
            if (id != Guid.Empty) await DeleteAsync(id);
        }
    }

    [KernelFact]
    public async Task An_snat_pool_smaller_than_the_planned_flows_is_flagged_until_its_port_range_holds_them()
    {
        const string Narrow = """
            {"kind": "snat", "name": "lint-pool", "outInterfaces": ["wan0"], "sourceCidrs": ["10.77.1.0/24"], "protocol": "tcp",
             "translateTo": "10.77.2.1", "ports": "10000-10099"}
            """;
        var id = await CreateAsync(Narrow);
        try
        {
            var finding = Assert.Single(await FindingsAsync(id, "SnatPoolTooSmall"));
            Assert.Contains("1 address × 100 ports hold at most 100 flows to one destination; the capacity plan expects 1,000", finding);
            using var widened = await App.Http.PutAsync($"api/v1/rules/{id}", Json(Narrow.Replace("10000-10099", "10000-11999", StringComparison.Ordinal)));
            Assert.True(widened.IsSuccessStatusCode, await widened.Content.ReadAsStringAsync());
            Assert.Empty(await FindingsAsync(id, "SnatPoolTooSmall"));
        }
        finally { await DeleteAsync(id); }
    }

    [KernelFact]
    public async Task A_forward_to_a_client_subnet_without_hairpin_is_flagged_until_hairpin_is_on()
    {
        const string Forward = """
            {"kind": "dnat", "name": "lint-hairpin", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "8082",
             "targetAddress": "10.77.1.2", "targetPort": "80", "hairpin": false}
            """;
        var id = await CreateAsync(Forward);
        try
        {
            Assert.Contains("10.77.1.2 is in 10.77.1.0/24 on lan0", Assert.Single(await FindingsAsync(id, "HairpinNeeded")));
            using var on = await App.Http.PutAsync($"api/v1/rules/{id}", Json(Forward.Replace("\"hairpin\": false", "\"hairpin\": true", StringComparison.Ordinal)));
            Assert.True(on.IsSuccessStatusCode, await on.Content.ReadAsStringAsync());
            Assert.Empty(await FindingsAsync(id, "HairpinNeeded"));
        }
        finally { await DeleteAsync(id); }
    }

    [KernelFact]
    public async Task The_pending_changes_carry_the_first_findings_and_their_count_while_the_lint_endpoint_lists_them_all()
    {
        const int Extra = 7;
        var forwards = Enumerable.Range(0, NatGateway.Core.Rules.Lint.LintReport.SummaryLimit + Extra).Select(i =>
            $$"""{"kind": "dnat", "name": "lint-many-{{i}}", "inInterfaces": ["wan0"], "protocol": "udp", "destinationPort": "{{20000 + i}}", "targetAddress": "10.77.1.2", "hairpin": false}""");
        using var created = await App.Http.PostAsync("api/v1/rules/batch", Json($$"""{"rules": [{{string.Join(",", forwards)}}]}"""));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var ids = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()).ToList();
        try
        {
            var total = NatGateway.Core.Rules.Lint.LintReport.SummaryLimit + Extra;
            var pending = (await App.Http.GetFromJsonAsync<JsonElement>("api/v1/rules/pending")).GetProperty("lint");
            Assert.Equal(total, pending.GetProperty("count").GetInt32());
            // The first in rule order: the summary names the same findings the full list starts with.
            var all = (await App.Http.GetFromJsonAsync<JsonElement>("api/v1/rules/lint")).GetProperty("findings").EnumerateArray()
                .Where(f => ids.Contains(f.GetProperty("ruleId").GetGuid())).Select(f => f.GetProperty("ruleId").GetGuid()).ToList();
            Assert.Equal(ids, all);
            var shown = pending.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("ruleId").GetGuid()).ToList();
            Assert.Equal(ids.Take(NatGateway.Core.Rules.Lint.LintReport.SummaryLimit), shown);
        }
        finally
        {
            using var deleted = await App.Http.PostAsync("api/v1/rules/bulk", Json(JsonSerializer.Serialize(new { action = "delete", ids })));
            Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        }
    }

    private string Nft(string commands)
    {
        var result = Lab.Exec(Lab.Gateway, "nft", commands);
        result.EnsureSuccess($"nft {commands}");
        return result.StandardOutput;
    }

    /// <summary>The reasons of the findings of one kind about one rule, from GET /api/v1/rules/lint.</summary>
    private async Task<List<string>> FindingsAsync(Guid ruleId, string kind)
    {
        var report = await App.Http.GetFromJsonAsync<JsonElement>("api/v1/rules/lint");
        return report.GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("ruleId").GetGuid() == ruleId && f.GetProperty("kind").GetString() == kind)
            .Select(f => f.GetProperty("reason").GetString()!)
            .ToList();
    }

    private async Task<Guid> CreateAsync(string rule)
    {
        using var created = await App.Http.PostAsync("api/v1/rules", Json(rule));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private async Task DeleteAsync(Guid id)
    {
        using var deleted = await App.Http.DeleteAsync($"api/v1/rules/{id}");
        Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
}
