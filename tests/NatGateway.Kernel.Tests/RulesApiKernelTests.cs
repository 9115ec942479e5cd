using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// NAT rules through natgw's REST API, applied to the lab gateway's kernel, proven with real traffic:
/// the lab client plays the outside network, the lab server the inside service.
/// </summary>
public abstract class RulesApiKernelTests(KernelMode mode)
{
    [KernelFact]
    public async Task A_port_forward_created_and_applied_through_the_api_forwards_traffic_counts_it_and_marks_the_flow()
    {
        using var lab = NamespaceLab.Create();
        lab.StartTcpServer(lab.Server, 80, "nc", ["-k", "-l", "-p", "80"]);
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: mode);
        using (var on = await app.Http.PutAsync("api/v1/settings", Json("""{"ipv4Forwarding": true}""")))
            Assert.Equal(HttpStatusCode.OK, on.StatusCode);

        Assert.False(lab.TcpConnects(lab.Client, NamespaceLab.GatewayLanAddress, 8080), "nothing listens on the gateway's 8080 before the forward");

        using var created = await app.Http.PostAsync("api/v1/rules", Json($$"""
            {"kind": "dnat", "name": "web", "enabled": true, "inInterfaces": ["lan0"], "protocol": "tcp", "sourceCidrs": [],
             "destinationAddress": null, "destinationPort": "8080", "targetAddress": "{{NamespaceLab.ServerAddress}}", "targetPort": "80", "hairpin": false}
            """));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rule = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = rule.GetProperty("id").GetGuid();
        var markId = rule.GetProperty("markId").GetInt32();
        Assert.True(markId > 0);

        // Saved is not applied: the kernel changes only on apply.
        Assert.False(lab.TcpConnects(lab.Client, NamespaceLab.GatewayLanAddress, 8080));
        using (var apply = await app.Http.PostAsync("api/v1/rules/apply", Json("""{"comment": "first forward"}""")))
            Assert.Equal(HttpStatusCode.OK, apply.StatusCode);

        Assert.True(lab.TcpConnects(lab.Client, NamespaceLab.GatewayLanAddress, 8080), "the forward must reach the server's port 80");

        var counters = await app.Http.GetFromJsonAsync<JsonElement>($"api/v1/rules/{id}/counters");
        Assert.True(counters.GetProperty("packets").GetInt64() >= 1, counters.ToString());

        var conntrack = lab.Exec(lab.Gateway, "conntrack", "-L", "-p", "tcp", "--orig-port-dst", "8080").StandardOutput;
        var expectedMark = (uint)markId << 16;
        Assert.Contains($"mark={expectedMark}", conntrack);

        var ruleset = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/ruleset");
        Assert.Contains("table ip natgw", ruleset.GetProperty("kernel").GetString());
    }

    [KernelFact]
    public async Task Invalid_rules_are_refused_with_400_naming_the_field()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: mode);

        foreach (var (body, field) in new[]
                 {
                     ("""{"kind": "dnat", "name": "x", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "70000", "targetAddress": "10.77.2.2"}""", "destinationPort"),
                     ("""{"kind": "dnat", "name": "x", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "80", "targetAddress": "10.77.2.999"}""", "targetAddress"),
                     ("""{"kind": "snat", "name": "x", "outInterfaces": ["wan0"], "sourceCidrs": ["10.0.0.0/33"], "translateTo": "10.77.2.1"}""", "sourceCidrs[0]"),
                     ("""{"kind": "dnat", "name": "x", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "90-80", "targetAddress": "10.77.2.2"}""", "destinationPort"),
                 })
        {
            using var response = await app.Http.PostAsync("api/v1/rules", Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"400 for {body} must name {field}: {problem}");
        }
        var list = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/rules");
        Assert.Equal(0, list.GetArrayLength());
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
}

/// <summary>Our table changed by hand with nft is reported as drift, with a diff, and re-apply puts it back.</summary>
public abstract class DriftKernelTests(KernelMode mode)
{
    [KernelFact]
    public async Task A_rule_added_to_our_table_by_hand_is_drift_and_reapply_removes_it()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: mode);
        var rule = new StringContent("""
            {"kind": "masquerade", "name": "out", "outInterfaces": ["wan0"], "sourceCidrs": ["10.77.1.0/24"]}
            """, System.Text.Encoding.UTF8, "application/json");
        (await app.Http.PostAsync("api/v1/rules", rule)).EnsureSuccessStatusCode();
        (await app.Http.PostAsync("api/v1/rules/apply", null)).EnsureSuccessStatusCode();
        Assert.False((await app.Http.GetFromJsonAsync<JsonElement>("api/v1/rules/drift")).GetProperty("hasDrift").GetBoolean());

        lab.Exec(lab.Gateway, "nft", "add", "rule", "ip", "natgw", "postrouting", "ip", "saddr", "192.0.2.0/24", "counter", "masquerade").EnsureSuccess("manual rule");

        var drift = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/rules/drift");
        Assert.True(drift.GetProperty("hasDrift").GetBoolean());
        Assert.Contains(drift.GetProperty("diff").EnumerateArray(), l => l.GetString()!.StartsWith('+') && l.GetString()!.Contains("192.0.2.0/24"));

        (await app.Http.PostAsync("api/v1/rules/reapply", null)).EnsureSuccessStatusCode();
        Assert.False((await app.Http.GetFromJsonAsync<JsonElement>("api/v1/rules/drift")).GetProperty("hasDrift").GetBoolean());
        Assert.DoesNotContain("192.0.2.0/24", lab.Exec(lab.Gateway, "nft", "list", "table", "ip", "natgw").StandardOutput);
    }

    [KernelFact]
    public async Task Reapply_takes_a_confirmation_window_like_apply_and_refuses_a_bad_one()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: mode);
        var rule = new StringContent("""
            {"kind": "masquerade", "name": "out", "outInterfaces": ["wan0"], "sourceCidrs": ["10.77.1.0/24"]}
            """, System.Text.Encoding.UTF8, "application/json");
        (await app.Http.PostAsync("api/v1/rules", rule)).EnsureSuccessStatusCode();
        (await app.Http.PostAsync("api/v1/rules/apply", null)).EnsureSuccessStatusCode();
        lab.Exec(lab.Gateway, "nft", "add", "rule", "ip", "natgw", "postrouting", "ip", "saddr", "192.0.2.0/24", "counter", "masquerade").EnsureSuccess("manual rule");

        using (var bad = await app.Http.PostAsync("api/v1/rules/reapply", Json("""{"confirmWithinSeconds": 1}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("confirmWithinSeconds", await bad.Content.ReadAsStringAsync());
        }
        Assert.Contains("192.0.2.0/24", lab.Exec(lab.Gateway, "nft", "list", "table", "ip", "natgw").StandardOutput);

        using var reapply = await app.Http.PostAsync("api/v1/rules/reapply", Json("""{"confirmWithinSeconds": 60}"""));
        Assert.Equal(HttpStatusCode.OK, reapply.StatusCode);
        var body = await reapply.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("pending-confirmation", body.GetProperty("state").GetString());
        Assert.Equal(body.GetProperty("revisionId").GetInt64(),
            (await app.Http.GetFromJsonAsync<JsonElement>("api/v1/revisions/pending")).GetProperty("revisionId").GetInt64());
        Assert.DoesNotContain("192.0.2.0/24", lab.Exec(lab.Gateway, "nft", "list", "table", "ip", "natgw").StandardOutput);
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    /// <summary>Issue 9 finding 3: on a fresh install, a confirmed settings-only change was reported as 22 lines of drift.</summary>
    [KernelFact]
    public async Task A_settings_only_change_on_a_fresh_install_is_not_drift_but_a_table_made_by_hand_is()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: mode);

        // The browser's path: Settings → IPv4 forwarding on → Apply (commit-confirmed) → Confirm.
        using (var on = await app.Http.PutAsync("api/v1/settings?confirmWithinSeconds=60", new StringContent("""{"ipv4Forwarding": true}""",
                   System.Text.Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        var revisions = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/revisions");
        var pending = revisions.GetProperty("items").EnumerateArray().First(r => r.GetProperty("state").GetString() == "pending-confirmation").GetProperty("id").GetInt64();
        (await app.Http.PostAsync($"api/v1/revisions/{pending}/confirm", null)).EnsureSuccessStatusCode();

        var drift = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/rules/drift");
        Assert.False(drift.GetProperty("hasDrift").GetBoolean(), drift.ToString());

        // A table of ours that someone filled by hand is still drift.
        lab.Exec(lab.Gateway, "nft", "add", "table", "ip", "natgw").EnsureSuccess("manual table");
        lab.Exec(lab.Gateway, "nft", "add", "chain", "ip", "natgw", "postrouting", "{ type nat hook postrouting priority srcnat; }").EnsureSuccess("manual chain");
        lab.Exec(lab.Gateway, "nft", "add", "rule", "ip", "natgw", "postrouting", "ip", "saddr", "192.0.2.0/24", "masquerade").EnsureSuccess("manual rule");
        drift = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/rules/drift");
        Assert.True(drift.GetProperty("hasDrift").GetBoolean());
        Assert.Contains(drift.GetProperty("diff").EnumerateArray(), l => l.GetString()!.StartsWith('+') && l.GetString()!.Contains("192.0.2.0/24"));
    }
}

/// <summary><see cref="RulesApiKernelTests"/> with natgw in one root process.</summary>
[LongRunning(340)]
public sealed class RulesApiKernelTestsSingleProcess() : RulesApiKernelTests(KernelMode.SingleProcess);

/// <summary><see cref="RulesApiKernelTests"/> with an unprivileged web process and <c>natgw agent</c>.</summary>
public sealed class RulesApiKernelTestsAgent() : RulesApiKernelTests(KernelMode.Agent);

/// <summary><see cref="DriftKernelTests"/> with natgw in one root process.</summary>
public sealed class DriftKernelTestsSingleProcess() : DriftKernelTests(KernelMode.SingleProcess);

/// <summary><see cref="DriftKernelTests"/> with an unprivileged web process and <c>natgw agent</c>.</summary>
public sealed class DriftKernelTestsAgent() : DriftKernelTests(KernelMode.Agent);
