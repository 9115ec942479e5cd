using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using NatGateway.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// Privilege separation end to end (issue 11): the web process runs as an unprivileged uid with no capabilities and
/// reaches the kernel only through <c>natgw agent</c>; a kill -9 of the agent, idle or part way through an apply, is
/// reported (503 with the reason) and healed by the web itself once the agent is back, leaving one whole revision in force.
/// /healthz is liveness only: it stays 200 during an outage (the web is alive; the API and the banner say the kernel is not).
/// </summary>
public sealed partial class AgentModeKernelTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [KernelFact]
    public async Task The_web_process_has_no_privilege_and_still_applies_rules_reads_conntrack_and_writes_sysctls_through_the_agent()
    {
        using var lab = NamespaceLab.Create();
        lab.StartTcpServer(lab.Server, 80, "nc", ["-k", "-l", "-p", "80"]);
        lab.KeepConntrackEntries(lab.Gateway);
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: KernelMode.Agent);

        // The kernel's own account of the web process: every uid is the web user's, no capability in any set that counts.
        var status = ProcStatus(app.WebPid);
        Assert.Equal($"{AgentMode.WebUid}\t{AgentMode.WebUid}\t{AgentMode.WebUid}\t{AgentMode.WebUid}", status["Uid"]);
        Assert.Equal("0000000000000000", status["CapEff"]);
        Assert.Equal("0000000000000000", status["CapPrm"]);
        Assert.Equal("0000000000000000", status["CapAmb"]);
        Assert.Equal("1", status["NoNewPrivs"]);

        // sysctls: written by the agent into the namespace's /proc/sys, and the boot-time file into its sysctl.d.
        using (var on = await app.Http.PutAsync("api/v1/settings", Json("""{"ipv4Forwarding": true, "persist": true}""")))
            Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        Assert.Equal("1", lab.Exec(lab.Gateway, "cat", "/proc/sys/net/ipv4/ip_forward").StandardOutput.Trim());
        Assert.Contains("net.ipv4.ip_forward = 1", await File.ReadAllTextAsync(Path.Combine(app.SysctlDirectory, "90-natgw.conf")));

        // rules: in the namespace's nftables, and forwarding real traffic.
        using (var created = await app.Http.PostAsync("api/v1/rules", Json(Forward("web", 8080))))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        long applied;
        using (var apply = await app.Http.PostAsync("api/v1/rules/apply", Json("""{"comment": "through the agent"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, apply.StatusCode);
            applied = (await apply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revisionId").GetInt64();
        }
        var table = lab.Exec(lab.Gateway, "nft", "list", "table", "ip", "natgw").EnsureSuccess("nft list").StandardOutput;
        Assert.Contains(NamespaceLab.ServerAddress, table);
        // The revision holds what the agent compiled and applied (its listing text came over beside the transaction).
        var detail = await app.Http.GetFromJsonAsync<JsonElement>($"api/v1/revisions/{applied}");
        var rulesetText = detail.GetProperty("rulesetText").GetString() ?? "";
        Assert.Contains("table ip natgw", rulesetText);
        Assert.Contains(NamespaceLab.ServerAddress, rulesetText);
        Assert.True(lab.TcpConnects(lab.Client, NamespaceLab.GatewayLanAddress, 8080), "the forward must reach the server's port 80");

        // conntrack: the connection just made, read through the agent's ctnetlink.
        var found = await EventuallyAsync(async () =>
        {
            var page = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/conntrack?filter=" + Uri.EscapeDataString("proto tcp and dport 8080"));
            return page.GetProperty("totalMatching").GetInt32() >= 1;
        });
        Assert.True(found, $"GET /api/v1/conntrack must list the forwarded connection:\n{app.Output}");

        // A drop capture runs in the agent (tracefs, root): the web answers with its counts and keeps them as the latest.
        var capture = app.Http.PostAsync("api/v1/doctor/drops", Json("""{"seconds": 1}"""));
        using (var drops = await capture)
        {
            Assert.Equal(HttpStatusCode.OK, drops.StatusCode);
            var body = await drops.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(JsonValueKind.Array, body.GetProperty("byReason").ValueKind);
            Assert.Equal(body.GetProperty("events").GetInt64(), body.GetProperty("byReason").EnumerateArray().Sum(r => r.GetProperty("count").GetInt64()));
        }
        using (var latest = await app.Http.GetAsync("api/v1/doctor/drops")) Assert.Equal(HttpStatusCode.OK, latest.StatusCode);

        // The mirror lives on through an agent restart: a connection made after it shows up without restarting the web.
        await app.KillAgentHardAsync();
        await app.StartAgentAsync();
        Assert.True(lab.TcpConnects(lab.Client, NamespaceLab.GatewayLanAddress, 8080), "the ruleset stays in the kernel while the agent restarts");
        var second = await EventuallyAsync(async () =>
        {
            var page = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/conntrack?filter=" + Uri.EscapeDataString("proto tcp and dport 8080"));
            return page.GetProperty("totalMatching").GetInt32() >= 2;
        });
        Assert.True(second, $"after the agent's restart GET /api/v1/conntrack must list the new connection too:\n{app.Output}");
    }

    [KernelFact]
    public async Task Kill_9_of_the_agent_at_each_step_of_an_apply_or_while_idle_leaves_one_whole_revision_and_the_web_recovers_by_itself()
    {
        using var lab = NamespaceLab.Create();
        var arm = Path.Combine(Path.GetTempPath(), $"natgw-arm-{Guid.NewGuid():N}");
        var marker = Path.Combine(Path.GetTempPath(), $"natgw-hit-{Guid.NewGuid():N}");
        Dictionary<string, string> Armable(string failpoint) => new()
        {
            ["NATGW_FAILPOINT"] = failpoint, ["NATGW_FAILPOINT_MARKER"] = marker, ["NATGW_FAILPOINT_WHILE"] = arm,
        };
        try
        {
            await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: KernelMode.Agent,
                agentEnvironment: Armable("agent-after-nftables"));
            var webPid = app.WebPid;

            // The revision in force before the interrupted applies: one forward, forwarding on.
            using (var created = await app.Http.PostAsync("api/v1/rules", Json(Forward("kept", 10000))))
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using (var apply = await app.Http.PostAsync("api/v1/rules/apply", Json("""{"comment": "baseline rules"}""")))
                Assert.Equal(HttpStatusCode.OK, apply.StatusCode);
            using (var on = await app.Http.PutAsync("api/v1/settings", Json("""{"ipv4Forwarding": true}""")))
                Assert.Equal(HttpStatusCode.OK, on.StatusCode);
            var inForce = await ActiveRevisionIdAsync(app);
            var baselineTable = Table(lab);
            Assert.Contains("10000", baselineTable); // forwards live in maps keyed by port

            // 1. agent-after-nftables: the new ruleset is in the kernel when the agent dies, before the web heard back.
            using (var created = await app.Http.PostAsync("api/v1/rules", Json(Forward("cut-short", 10001))))
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            await InterruptAsync(app, arm, marker, () => app.Http.PostAsync("api/v1/rules/apply", Json("""{"comment": "cut short in nftables"}""")));
            Assert.Contains("10001", Table(lab)); // the half-done state the recovery must undo
            await app.StartAgentAsync(Armable("agent-after-sysctl"));
            await WaitForRecoveryAsync(app, lab, inForce, baselineTable, interrupted: 1);

            // 2. agent-after-sysctl: the sysctl is written when the agent dies.
            await InterruptAsync(app, arm, marker, () => app.Http.PutAsync("api/v1/settings", Json("""{"ipv4Forwarding": false}""")));
            Assert.Equal("0", Forwarding(lab));
            await app.StartAgentAsync();
            await WaitForRecoveryAsync(app, lab, inForce, baselineTable, interrupted: 2);

            // 3. while idle: nothing to undo, but the web notices, says so, and comes back by itself.
            await app.KillAgentHardAsync();
            await AssertOutageReportedAsync(app);
            await app.StartAgentAsync();
            await WaitForRecoveryAsync(app, lab, inForce, baselineTable, interrupted: 2);

            Assert.Equal(webPid, app.WebPid);
            Assert.False(Process(webPid).HasExited, "the web process must have kept running through every outage");
            output.WriteLine(app.Output);
        }
        finally
        {
            File.Delete(arm);
            File.Delete(marker);
        }
    }

    /// <summary>Arms the agent's failpoint, starts the request, waits until the agent blocks there, kill -9s it, and checks
    /// that the request ends (503 with a reason, not a hang) and that the web reports the outage.</summary>
    private static async Task InterruptAsync(NatgwProcess app, string arm, string marker, Func<Task<HttpResponseMessage>> request)
    {
        File.Delete(marker);
        await File.WriteAllTextAsync(arm, "armed");
        var call = request();
        var deadline = DateTime.UtcNow + Deadline;
        while (!File.Exists(marker) && !call.IsCompleted && DateTime.UtcNow < deadline) await Task.Delay(50);
        File.Delete(arm);
        Assert.True(File.Exists(marker), $"the agent's failpoint was not reached:\n{(call.IsCompleted ? await Describe(call.Result) : "")}\n{app.Output}");
        await app.KillAgentHardAsync();

        using var response = await call.WaitAsync(Deadline); // the client must notice the dead socket
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("reason").GetString()), problem.ToString());
        await AssertOutageReportedAsync(app);
    }

    /// <summary>While the agent is down: the API answers 503 with the reason; /healthz (liveness) stays 200.</summary>
    private static async Task AssertOutageReportedAsync(NatgwProcess app)
    {
        var reported = await EventuallyAsync(async () =>
        {
            using var response = await app.Http.GetAsync("api/v1/settings");
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable) return false;
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            return problem.TryGetProperty("reason", out var reason) && reason.GetString() is { Length: > 0 };
        });
        Assert.True(reported, $"GET /api/v1/settings must answer 503 with a reason while the agent is down:\n{app.Output}");
        using var health = await app.Http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    /// <summary>Waits (without restarting the web) until it answers again and its recovery made the kernel equal the revision
    /// in force before the cut-short apply: the same ruleset, the same managed sysctl, no drift, and no later revision with
    /// other rules in force; the interrupted applies are marked interrupted.</summary>
    private static async Task WaitForRecoveryAsync(NatgwProcess app, NamespaceLab lab, long inForce, string baselineTable, int interrupted)
    {
        string last = "";
        var recovered = await EventuallyAsync(async () =>
        {
            // The kernel first, the revisions after: a recovery writes the kernel only after its journal entry, so a
            // recovery still under way shows up below as an applying revision rather than passing for a finished one.
            var forwarding = Forwarding(lab);
            var table = Table(lab);
            using var settings = await app.Http.GetAsync("api/v1/settings");
            if (settings.StatusCode != HttpStatusCode.OK) { last = $"settings {settings.StatusCode}"; return false; }
            var drift = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/rules/drift");
            var items = (await app.Http.GetFromJsonAsync<JsonElement>("api/v1/revisions")).GetProperty("items").EnumerateArray().ToList();
            var active = items.FirstOrDefault(r => r.GetProperty("state").GetString() is "applied" or "pending-confirmation");
            var cutShort = items.Count(r => r.GetProperty("state").GetString() == "interrupted");
            // A recovery still under way (its revision applying) has not finished putting the kernel back.
            var applying = items.Any(r => r.GetProperty("state").GetString() == "applying");
            last = $"drift {drift}; active {active}; interrupted {cutShort}; forwarding {forwarding}; table:\n{table}";
            // The revision in force is the baseline, or a recovery's re-apply of it (a later revision with the same rules).
            return !applying && !drift.GetProperty("hasDrift").GetBoolean()
                   && active.ValueKind != JsonValueKind.Undefined && active.GetProperty("id").GetInt64() >= inForce
                   && active.GetProperty("ruleCount").GetInt32() == 1
                   && cutShort == interrupted
                   && forwarding == "1"
                   && table == baselineTable;
        });
        Assert.True(recovered, $"the web must recover to revision {inForce} by itself: {last}\n{app.Output}");
    }

    private static async Task<long> ActiveRevisionIdAsync(NatgwProcess app)
    {
        var items = (await app.Http.GetFromJsonAsync<JsonElement>("api/v1/revisions")).GetProperty("items").EnumerateArray();
        return items.First(r => r.GetProperty("state").GetString() == "applied").GetProperty("id").GetInt64();
    }

    /// <summary>Our table as the kernel lists it, without the counters (they move with traffic, not with revisions).</summary>
    private static string Table(NamespaceLab lab) =>
        Counters().Replace(lab.Exec(lab.Gateway, "nft", "list", "table", "ip", "natgw").StandardOutput, "counter");

    [GeneratedRegex(@"counter packets \d+ bytes \d+")]
    private static partial Regex Counters();

    private static string Forwarding(NamespaceLab lab) => lab.Exec(lab.Gateway, "cat", "/proc/sys/net/ipv4/ip_forward").StandardOutput.Trim();

    private static Dictionary<string, string> ProcStatus(int pid) =>
        File.ReadAllLines($"/proc/{pid}/status").Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1].Trim());

    private static System.Diagnostics.Process Process(int pid) => System.Diagnostics.Process.GetProcessById(pid);

    private static async Task<string> Describe(HttpResponseMessage response) => $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";

    private static string Forward(string name, int port) => $$"""
        {"kind": "dnat", "name": "{{name}}", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "{{port}}",
         "targetAddress": "{{NamespaceLab.ServerAddress}}", "targetPort": "80"}
        """;

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition()) return true;
            }
            catch (HttpRequestException) { }
            catch (JsonException) { }
            await Task.Delay(200); // polling interval
        }
        return false;
    }
}
