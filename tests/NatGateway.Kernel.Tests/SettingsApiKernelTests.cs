using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// natgw runs inside the lab's gateway namespace and manages that namespace's kernel; the client namespace
/// talks to its API over the lab network. Real packets decide the outcome, not only /proc values.
/// </summary>
public abstract class SettingsApiKernelTests(KernelMode mode)
{
    private const int ServerPort = 8080;

    [KernelFact]
    public async Task Turning_ipv4_forwarding_on_and_off_through_the_api_starts_and_stops_traffic_through_the_gateway()
    {
        using var lab = NamespaceLab.Create();
        lab.StartTcpServer(lab.Server, ServerPort, "nc", ["-k", "-l", "-p", ServerPort.ToString()]);
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: mode);

        Assert.Equal("0", ReadForwarding(lab));
        Assert.False(lab.TcpConnects(lab.Client, NamespaceLab.ServerAddress, ServerPort), "forwarding is off: the server must be unreachable");

        using (var on = await app.Http.PutAsync("api/v1/settings", Json("""{"ipv4Forwarding": true}""")))
            Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        Assert.Equal("1", ReadForwarding(lab));
        Assert.True(WaitUntil(() => lab.TcpConnects(lab.Client, NamespaceLab.ServerAddress, ServerPort)), "forwarding is on: the client must reach the server");

        var view = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/settings");
        Assert.True(view.GetProperty("ipv4Forwarding").GetBoolean());

        using (var off = await app.Http.PutAsync("api/v1/settings", Json("""{"ipv4Forwarding": false}""")))
            Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        Assert.Equal("0", ReadForwarding(lab));
        Assert.False(lab.TcpConnects(lab.Client, NamespaceLab.ServerAddress, ServerPort), "forwarding is off again: traffic must stop");

        var history = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/settings/history");
        var changes = history.GetProperty("items").EnumerateArray().Where(c => c.GetProperty("key").GetString() == "net.ipv4.ip_forward").ToList();
        Assert.Equal(2, changes.Count);
        Assert.Contains(changes, c => c.GetProperty("oldValue").GetString() == "0" && c.GetProperty("newValue").GetString() == "1");
    }

    [KernelFact]
    public async Task Bad_values_are_refused_with_400_naming_the_field_and_change_nothing()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: mode);
        var before = lab.Exec(lab.Gateway, "sysctl", "net.ipv4.ip_forward", "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.lan0.rp_filter").StandardOutput;

        foreach (var (body, field) in new[]
                 {
                     ("""{"ipv4Forwarding": "yes"}""", "ipv4Forwarding"),
                     ("""{"rpFilter": {"all": 3}}""", "rpFilter.all"),
                     ("""{"ipv4Forwarding": true, "rpFilter": {"interfaces": {"nosuch0": 1}}}""", "rpFilter.interfaces.nosuch0"),
                     ("""{"rpFilter": {"interfaces": {"lan0": -1}}}""", "rpFilter.interfaces.lan0"),
                 })
        {
            using var response = await app.Http.PutAsync("api/v1/settings", Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"400 for {body} must name {field}: {problem}");
            Assert.NotEmpty(messages.EnumerateArray().First().GetString()!);
        }
        Assert.Equal(before, lab.Exec(lab.Gateway, "sysctl", "net.ipv4.ip_forward", "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.lan0.rp_filter").StandardOutput);
    }

    [KernelFact]
    public async Task Rp_filter_per_interface_is_written_effective_value_reported_and_persisted_on_request()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, mode: mode);

        using var response = await app.Http.PutAsync("api/v1/settings",
            Json("""{"rpFilter": {"all": 1, "interfaces": {"wan0": 2, "lan0": 0}}, "persist": true}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        Assert.Equal("1", lab.Exec(lab.Gateway, "sysctl", "-n", "net.ipv4.conf.all.rp_filter").StandardOutput.Trim());
        Assert.Equal("2", lab.Exec(lab.Gateway, "sysctl", "-n", "net.ipv4.conf.wan0.rp_filter").StandardOutput.Trim());
        Assert.Equal("0", lab.Exec(lab.Gateway, "sysctl", "-n", "net.ipv4.conf.lan0.rp_filter").StandardOutput.Trim());

        var view = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/settings");
        var effective = view.GetProperty("effectiveRpFilter").EnumerateArray().ToDictionary(e => e.GetProperty("interface").GetString()!);
        Assert.Equal(1, effective["lan0"].GetProperty("effective").GetInt32()); // max(all=1, own=0)
        Assert.Equal(2, effective["wan0"].GetProperty("effective").GetInt32());

        var persisted = await File.ReadAllTextAsync(Path.Combine(app.SysctlDirectory, "90-natgw.conf"));
        Assert.Contains("net.ipv4.conf.all.rp_filter = 1", persisted);
        Assert.Contains("-net.ipv4.conf.wan0.rp_filter = 2", persisted);
    }

    [KernelFact]
    public async Task A_global_key_that_is_read_only_in_a_namespace_gives_a_clear_message_not_a_crash()
    {
        using var lab = NamespaceLab.Create();
        // nf_conntrack_max is global: 0444 inside any non-initial namespace. The service must say so, not throw.
        var message = lab.RunIn(lab.Gateway, () =>
        {
            var sysctl = new NatGateway.Core.Kernel.ProcSysctl();
            var key = new NatGateway.Core.Kernel.SysctlKey(["net", "netfilter", "nf_conntrack_max"]);
            if (sysctl.TryRead(key) is null) return "missing";
            Assert.False(sysctl.IsWritable(key));
            var e = Assert.Throws<NatGateway.Core.Kernel.SysctlException>(() => sysctl.Write(key, "1000"));
            Assert.Equal(NatGateway.Core.Kernel.SysctlFailure.ReadOnly, e.Failure);
            return e.Message;
        });
        Assert.True(message == "missing" || message.Contains("read-only", StringComparison.Ordinal), message);
    }

    private static string ReadForwarding(NamespaceLab lab) =>
        lab.Exec(lab.Gateway, "cat", "/proc/sys/net/ipv4/ip_forward").StandardOutput.Trim();

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    private static bool WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (condition()) return true;
            Thread.Sleep(100); // polling interval
        }
        return false;
    }
}

/// <summary><see cref="SettingsApiKernelTests"/> with natgw in one root process.</summary>
public sealed class SettingsApiKernelTestsSingleProcess() : SettingsApiKernelTests(KernelMode.SingleProcess);

/// <summary><see cref="SettingsApiKernelTests"/> with an unprivileged web process and <c>natgw agent</c>.</summary>
public sealed class SettingsApiKernelTestsAgent() : SettingsApiKernelTests(KernelMode.Agent);
