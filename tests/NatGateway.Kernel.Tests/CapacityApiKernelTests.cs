using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// POST /api/v1/capacity/apply with natgw inside a lab gateway namespace: the per-namespace timeouts are written there,
/// while the global nf_conntrack_max / nf_conntrack_buckets are reported read-only with the reason instead of failing.
/// </summary>
public abstract class CapacityApiKernelTests(KernelMode mode)
{
    private const string UdpTimeout = "net.netfilter.nf_conntrack_udp_timeout";
    private const string TimeWait = "net.netfilter.nf_conntrack_tcp_timeout_time_wait";

    [KernelFact]
    public async Task Apply_in_a_lab_namespace_writes_the_timeouts_there_and_explains_why_max_and_buckets_are_read_only()
    {
        using var lab = NamespaceLab.Create();
        // A conntrack user in the gateway makes sure nf_conntrack's per-namespace sysctls exist there.
        ProcessRunner.Run("ip", ["netns", "exec", lab.Gateway, "nft", "-f", "-"], TimeSpan.FromSeconds(20),
            "table inet cap { chain forward_state { type filter hook forward priority 0; ct state new counter; }; }").EnsureSuccess("nft");
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: mode);
        var hostUdp = File.ReadAllText("/proc/sys/net/netfilter/nf_conntrack_udp_timeout").Trim();
        var maxBefore = Sysctl(lab, "net.netfilter.nf_conntrack_max");
        var bucketsBefore = Sysctl(lab, "net.netfilter.nf_conntrack_buckets");
        var requestedMax = long.Parse(maxBefore) + 4096;

        using var response = await app.Http.PostAsync("api/v1/capacity/apply", Json($$"""
            {"conntrackMax": {{requestedMax}}, "buckets": {{requestedMax}},
             "timeouts": {"nf_conntrack_udp_timeout": 11, "nf_conntrack_tcp_timeout_time_wait": 31}, "persist": true}
            """));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var result = JsonDocument.Parse(body).RootElement;

        Assert.Equal("11", Sysctl(lab, UdpTimeout));
        Assert.Equal("31", Sysctl(lab, TimeWait));
        Assert.Equal(hostUdp, File.ReadAllText("/proc/sys/net/netfilter/nf_conntrack_udp_timeout").Trim()); // the host is untouched
        Assert.Equal(maxBefore, Sysctl(lab, "net.netfilter.nf_conntrack_max"));
        Assert.Equal(bucketsBefore, Sysctl(lab, "net.netfilter.nf_conntrack_buckets"));

        var changed = result.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("key").GetString()).Order().ToList();
        Assert.Equal([TimeWait, UdpTimeout], changed);
        var readOnly = result.GetProperty("readOnly").EnumerateArray().ToList();
        Assert.Equal(["net.netfilter.nf_conntrack_buckets", "net.netfilter.nf_conntrack_max"],
            readOnly.Select(r => r.GetProperty("key").GetString()).Order().ToList());
        Assert.All(readOnly, r => Assert.Contains("initial network namespace", r.GetProperty("explanation").GetString()));
        Assert.Equal(JsonValueKind.Null, result.GetProperty("modprobeFile").ValueKind); // hashsize would change the host at boot

        var persisted = await File.ReadAllTextAsync(Path.Combine(app.SysctlDirectory, "91-natgw-conntrack.conf"));
        Assert.Contains($"-{UdpTimeout} = 11", persisted);
        Assert.DoesNotContain("nf_conntrack_max", persisted);

        var history = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/settings/history");
        Assert.Contains(history.GetProperty("items").EnumerateArray(), c => c.GetProperty("key").GetString() == UdpTimeout && c.GetProperty("newValue").GetString() == "11");

        var now = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/capacity/now");
        Assert.False(now.GetProperty("globalLimitsWritable").GetBoolean());
        Assert.Contains("initial network namespace", now.GetProperty("readOnlyExplanation").GetString());
        Assert.Equal(long.Parse(maxBefore), now.GetProperty("report").GetProperty("max").GetInt64());
    }

    [KernelFact]
    public async Task Apply_with_nothing_to_change_is_409_and_records_no_revision()
    {
        using var lab = NamespaceLab.Create();
        ProcessRunner.Run("ip", ["netns", "exec", lab.Gateway, "nft", "-f", "-"], TimeSpan.FromSeconds(20),
            "table inet cap { chain forward_state { type filter hook forward priority 0; ct state new counter; }; }").EnsureSuccess("nft");
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: mode);
        var udp = Sysctl(lab, UdpTimeout);
        var requestedMax = long.Parse(Sysctl(lab, "net.netfilter.nf_conntrack_max")) + 4096;
        var revisionsBefore = (await app.Http.GetFromJsonAsync<JsonElement>("api/v1/revisions")).GetProperty("totalCount").GetInt32();

        // Max/buckets are read-only in this namespace and the timeout is what it already is: nothing would change.
        using var response = await app.Http.PostAsJsonAsync("api/v1/capacity/apply", new
        {
            conntrackMax = requestedMax, buckets = requestedMax, timeouts = new Dictionary<string, int> { ["nf_conntrack_udp_timeout"] = int.Parse(udp) },
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Conflict, body);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Nothing to change", problem.GetProperty("title").GetString());
        Assert.Equal(["net.netfilter.nf_conntrack_buckets", "net.netfilter.nf_conntrack_max"],
            problem.GetProperty("readOnly").EnumerateArray().Select(r => r.GetProperty("key").GetString()).Order().ToList());

        Assert.Equal(revisionsBefore, (await app.Http.GetFromJsonAsync<JsonElement>("api/v1/revisions")).GetProperty("totalCount").GetInt32());
        using (var pending = await app.Http.GetAsync("api/v1/revisions/pending"))
            Assert.Equal(HttpStatusCode.NoContent, pending.StatusCode); // no confirmation window either
        Assert.Equal(udp, Sysctl(lab, UdpTimeout));

        // A real change still makes a revision.
        using var changed = await app.Http.PostAsync("api/v1/capacity/apply", Json("""{"timeouts": {"nf_conntrack_udp_timeout": 13}}"""));
        Assert.True(changed.StatusCode == HttpStatusCode.OK, await changed.Content.ReadAsStringAsync());
        // (the first apply also records the baseline it started from)
        Assert.True((await app.Http.GetFromJsonAsync<JsonElement>("api/v1/revisions")).GetProperty("totalCount").GetInt32() > revisionsBefore);
        Assert.Equal("13", Sysctl(lab, UdpTimeout));
    }

    [KernelFact]
    public async Task Bad_apply_and_plan_inputs_are_400_with_per_field_messages()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: mode);

        using var apply = await app.Http.PostAsync("api/v1/capacity/apply", Json("""{"conntrackMax": 0, "timeouts": {"nf_conntrack_bogus": 5}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, apply.StatusCode);
        var applyErrors = (await apply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(applyErrors.TryGetProperty("conntrackMax", out _));
        Assert.True(applyErrors.TryGetProperty("timeouts.nf_conntrack_bogus", out _));

        using var get = await app.Http.GetAsync("api/v1/capacity/plan?entries=abc&peak=0.5");
        Assert.Equal(HttpStatusCode.BadRequest, get.StatusCode);
        var getErrors = (await get.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(getErrors.TryGetProperty("entries", out _) && getErrors.TryGetProperty("peak", out _), getErrors.ToString());

        using var post = await app.Http.PostAsync("api/v1/capacity/plan", Json("""{"expectedEntries": 1000, "targetLoadFactor": -1}"""));
        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.True((await post.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("targetLoadFactor", out _));
    }

    private static string Sysctl(NamespaceLab lab, string key) =>
        lab.Exec(lab.Gateway, "sysctl", "-n", key).StandardOutput.Trim();

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
}

/// <summary><see cref="CapacityApiKernelTests"/> with natgw in one root process.</summary>
public sealed class CapacityApiKernelTestsSingleProcess() : CapacityApiKernelTests(KernelMode.SingleProcess);

/// <summary><see cref="CapacityApiKernelTests"/> with an unprivileged web process and <c>natgw agent</c>.</summary>
public sealed class CapacityApiKernelTestsAgent() : CapacityApiKernelTests(KernelMode.Agent);
