using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// /api/v1/conntrack served by the real natgw in a lab gateway: pages of the live mirror match conntrack(8), bad filters
/// are 400 with the column, delete returns the count removed (and refuses an empty filter), new traffic shows up live.
/// </summary>
public abstract class ConntrackApiKernelTests(KernelMode mode)
{
    [KernelFact]
    public async Task The_api_pages_filters_sorts_deletes_and_follows_new_traffic()
    {
        using var lab = NamespaceLab.Create();
        ConntrackLabFlows.Create(lab);
        lab.Sysctl(lab.Gateway, "net.netfilter.nf_conntrack_events", "2");
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: mode);

        Assert.Equal("stopped", (await app.Http.GetFromJsonAsync<JsonElement>("api/v1/conntrack/status")).GetProperty("state").GetString());

        var page = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/conntrack?filter=" + Uri.EscapeDataString("proto udp and dport 53") + "&sort=src:desc&page=2&pageSize=2");
        Assert.Equal(5, page.GetProperty("totalMatching").GetInt32());
        Assert.Equal(3, page.GetProperty("pageCount").GetInt32());
        Assert.Equal("proto udp and dport 53", page.GetProperty("filter").GetString());
        var sources = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("original").GetProperty("src").GetString()).ToList();
        Assert.Equal(["10.77.1.52", "10.77.1.51"], sources);
        Assert.True(page.GetProperty("totalEntries").GetInt32() >= 9, page.ToString());

        // The mirror started on that first query, and made every new entry report its end (recorded as a setting change).
        var status = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/conntrack/status");
        Assert.Equal("live", status.GetProperty("state").GetString());
        Assert.Equal("1", lab.Exec(lab.Gateway, "sysctl", "-n", "net.netfilter.nf_conntrack_events").StandardOutput.Trim());
        var history = await app.Http.GetStringAsync("api/v1/settings/history");
        Assert.Contains("net.netfilter.nf_conntrack_events", history);

        // Bad filter: 400 naming the field and the column; nothing deleted by a bad DELETE either.
        var before = ConntrackLabFlows.Count(lab);
        using (var bad = await app.Http.GetAsync("api/v1/conntrack?filter=" + Uri.EscapeDataString("proto udp and dport")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty("filter", out _), problem.ToString());
            Assert.True(problem.GetProperty("column").GetInt32() > 0, problem.ToString());
        }
        using (var bad = await app.Http.DeleteAsync("api/v1/conntrack?filter=" + Uri.EscapeDataString("src 10.77.1.999")))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var empty = await app.Http.DeleteAsync("api/v1/conntrack"))
            Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(before, ConntrackLabFlows.Count(lab));

        using (var deleted = await app.Http.DeleteAsync("api/v1/conntrack?filter=" + Uri.EscapeDataString("proto udp and src 10.77.1.50/31")))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            Assert.Equal(2, (await deleted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deleted").GetInt32());
        }
        Assert.Equal(before - 2, ConntrackLabFlows.Count(lab));
        Assert.Equal(3, await EventuallyAsync(app, "proto udp and dport 53", n => n == 3));

        // New traffic appears in the mirror through events, without a resync.
        lab.Exec(lab.Gateway, "conntrack", "-I", "-p", "udp", "-s", "10.77.1.77", "-d", NamespaceLab.ServerAddress,
            "--sport", "41000", "--dport", "123", "-t", "300").EnsureSuccess("conntrack -I");
        Assert.Equal(1, await EventuallyAsync(app, "src 10.77.1.77 and dport 123", n => n == 1));

        var stats = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/conntrack/stats");
        Assert.True(stats.GetProperty("entries").GetInt32() > 0, stats.ToString());
        Assert.Equal(Environment.ProcessorCount, stats.GetProperty("perCpu").GetArrayLength());
        Assert.True(stats.GetProperty("rates").GetArrayLength() > 0, stats.ToString());
    }

    [KernelFact]
    public async Task Delete_refuses_an_unparsable_filter_even_with_all_and_the_next_page_no_longer_shows_deleted_entries()
    {
        using var lab = NamespaceLab.Create();
        ConntrackLabFlows.Create(lab);
        // Entries made while nobody listened carry no event extension: they vanish without a DESTROY event.
        lab.Sysctl(lab.Gateway, "net.netfilter.nf_conntrack_events", "2");
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: mode);
        Assert.Equal(5, await CountAsync(app, "proto udp and dport 53"));
        var before = ConntrackLabFlows.Count(lab);

        // A half-typed filter with all=true must not become "delete everything".
        using (var bad = await app.Http.DeleteAsync("api/v1/conntrack?all=true&filter=" + Uri.EscapeDataString("dport 53 and (")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty("filter", out _), problem.ToString());
        }
        Assert.Equal(before, ConntrackLabFlows.Count(lab));

        using (var deleted = await app.Http.DeleteAsync("api/v1/conntrack?filter=" + Uri.EscapeDataString("proto udp and src 10.77.1.50/31")))
            Assert.Equal(2, (await deleted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deleted").GetInt32());
        // The very next query answers without them: no DESTROY event came, and nobody waited for the resync.
        Assert.Equal(3, await CountAsync(app, "proto udp and dport 53"));
        Assert.Equal(0, await CountAsync(app, "src 10.77.1.50/31"));
    }

    private static async Task<int> CountAsync(NatgwProcess app, string filter) =>
        (await app.Http.GetFromJsonAsync<JsonElement>("api/v1/conntrack?pageSize=1&filter=" + Uri.EscapeDataString(filter)))
            .GetProperty("totalMatching").GetInt32();

    /// <summary>Polls the matching count until <paramref name="done"/> (events reach the mirror asynchronously).</summary>
    private static async Task<int> EventuallyAsync(NatgwProcess app, string filter, Func<int, bool> done)
    {
        var count = -1;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var page = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/conntrack?pageSize=1&filter=" + Uri.EscapeDataString(filter));
            count = page.GetProperty("totalMatching").GetInt32();
            if (done(count)) return count;
            await Task.Delay(100); // polling interval
        }
        return count;
    }
}

/// <summary><see cref="ConntrackApiKernelTests"/> with natgw in one root process.</summary>
public sealed class ConntrackApiKernelTestsSingleProcess() : ConntrackApiKernelTests(KernelMode.SingleProcess);

/// <summary><see cref="ConntrackApiKernelTests"/> with an unprivileged web process and <c>natgw agent</c>.</summary>
public sealed class ConntrackApiKernelTestsAgent() : ConntrackApiKernelTests(KernelMode.Agent);
