using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// One lab and one natgw database for the doctor's real-kernel cases: natgw serve runs once in the gateway namespace
/// to put a DNAT rule (lan0:8080 → server:80) in force through an applied revision, then stops; each case then runs
/// <c>natgw doctor --output json --check ID</c> in that namespace against the database.
/// </summary>
public sealed class DoctorLabFixture : IAsyncLifetime
{
    public NamespaceLab? Lab { get; private set; }
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("natgw-doctor-").FullName;
    public string DatabasePath => Path.Combine(DataDirectory, "natgw.db");

    public async Task InitializeAsync()
    {
        if (Root.SkipReason is not null) return;
        Lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(Lab, Lab.Gateway, NamespaceLab.GatewayLanAddress, dataDirectory: DataDirectory);
        using (var created = await app.Http.PostAsync("api/v1/rules", Json($$"""
            {"kind": "dnat", "name": "web", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "8080",
             "targetAddress": "{{NamespaceLab.ServerAddress}}", "targetPort": "80"}
            """)))
            created.EnsureSuccessStatusCode();
        // Without confirmWithinSeconds the API applies at once (no confirmation pending): the revision is in force.
        using var applied = await app.Http.PostAsync("api/v1/rules/apply", Json("""{"comment": "doctor lab"}"""));
        applied.EnsureSuccessStatusCode();
        Assert.Equal("applied", (await applied.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString(), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary><c>natgw doctor --output json --check ID</c> in the gateway namespace: the exit code and the one check's result.</summary>
    public (int ExitCode, JsonElement Check) Doctor(string check)
    {
        var run = Lab!.ExecWithTimeout(Lab.Gateway, TimeSpan.FromSeconds(180), "dotnet",
            RepositoryPaths.NatgwDll, "doctor", "--output", "json", "--check", check, "--db", DatabasePath);
        Assert.True(run.ExitCode is 0 or 1 or 2, $"natgw doctor exited {run.ExitCode}: {run.StandardError}\n{run.StandardOutput}");
        using var report = JsonDocument.Parse(run.StandardOutput);
        var checks = report.RootElement.GetProperty("checks");
        Assert.Equal(1, checks.GetArrayLength());
        return (run.ExitCode, checks[0].Clone());
    }

    public async Task DisposeAsync()
    {
        Lab?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(DataDirectory, recursive: true);
        await Task.CompletedTask;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}

/// <summary>
/// Each check driven to its warning (or critical) state for real in the lab's gateway namespace and back to ok, with
/// the evidence and the exit code (0 ok, 1 warning, 2 critical) asserted.
/// </summary>
public sealed class DoctorCliKernelTests(DoctorLabFixture fixture) : IClassFixture<DoctorLabFixture>
{
    private NamespaceLab Lab => fixture.Lab!;

    private static string Status(JsonElement check) => check.GetProperty("status").GetString()!;

    private static string Evidence(JsonElement check, string name) =>
        check.GetProperty("evidence").EnumerateArray().FirstOrDefault(e => e.GetProperty("name").GetString()!.Contains(name, StringComparison.Ordinal))
            is { ValueKind: JsonValueKind.Object } e ? e.GetProperty("value").GetString()! : throw new Xunit.Sdk.XunitException($"no evidence '{name}' in {check}");

    private void Ip(params string[] args) => Lab.Exec(Lab.Gateway, "ip", args).EnsureSuccess("ip " + string.Join(' ', args));

    [KernelFact]
    public void Forwarding_off_with_a_dnat_rule_is_critical_exit_2_and_ok_exit_0_once_on()
    {
        Lab.Sysctl(Lab.Gateway, "net.ipv4.ip_forward", "0");
        var (exit, check) = fixture.Doctor("forwarding-off");
        Assert.Equal((2, "critical"), (exit, Status(check)));
        Assert.Equal("off", Evidence(check, "IPv4 forwarding"));
        Assert.Equal("1", Evidence(check, "enabled IPv4 NAT rules"));
        var fix = check.GetProperty("fixes")[0];
        Assert.Equal("enableForwarding", fix.GetProperty("kind").GetString());

        Lab.Sysctl(Lab.Gateway, "net.ipv4.ip_forward", "1");
        (exit, check) = fixture.Doctor("forwarding-off");
        Assert.Equal((0, "ok"), (exit, Status(check)));
        Assert.Equal("on", Evidence(check, "IPv4 forwarding"));
        Lab.Sysctl(Lab.Gateway, "net.ipv4.ip_forward", "0");
    }

    [KernelFact]
    public void Strict_rp_filter_with_two_default_routes_warns_exit_1_and_loose_is_ok()
    {
        Lab.Sysctl(Lab.Gateway, "net.ipv4.conf.all.rp_filter", "0");
        Lab.Sysctl(Lab.Gateway, "net.ipv4.conf.lan0.rp_filter", "1");
        Lab.Sysctl(Lab.Gateway, "net.ipv4.conf.wan0.rp_filter", "1");
        Ip("route", "add", "default", "via", NamespaceLab.ClientAddress, "dev", "lan0", "metric", "100");
        Ip("route", "add", "default", "via", NamespaceLab.ServerAddress, "dev", "wan0", "metric", "200");
        try
        {
            var (exit, check) = fixture.Doctor("rp-filter-strict");
            Assert.Equal((1, "warning"), (exit, Status(check)));
            Assert.Equal("1 (strict; own 1)", Evidence(check, "rp_filter effective on wan0"));
            var routes = Evidence(check, "IPv4 default routes");
            Assert.Contains($"via {NamespaceLab.ClientAddress} dev lan0", routes);
            Assert.Contains($"via {NamespaceLab.ServerAddress} dev wan0", routes);
            Assert.Equal(["lan0", "wan0"], check.GetProperty("fixes").EnumerateArray().Select(f => f.GetProperty("target").GetProperty("interface").GetString()).Order());

            Lab.Sysctl(Lab.Gateway, "net.ipv4.conf.lan0.rp_filter", "2");
            Lab.Sysctl(Lab.Gateway, "net.ipv4.conf.wan0.rp_filter", "2");
            (exit, check) = fixture.Doctor("rp-filter-strict");
            Assert.Equal((0, "ok"), (exit, Status(check)));
            Assert.Equal("2 (loose; own 2)", Evidence(check, "rp_filter effective on wan0"));
        }
        finally
        {
            Ip("route", "del", "default", "via", NamespaceLab.ClientAddress, "dev", "lan0");
            Ip("route", "del", "default", "via", NamespaceLab.ServerAddress, "dev", "wan0");
        }
    }

    [KernelFact]
    public void An_mtu_mismatch_on_the_veth_pair_of_a_rule_path_and_a_vxlan_without_headroom_warn_and_are_ok_once_fixed()
    {
        // lan0 is the gateway's end of the client's veth pair; the DNAT rule forwards lan0 → wan0 (the server's subnet).
        Ip("link", "set", "lan0", "mtu", "1400");
        try
        {
            var (exit, check) = fixture.Doctor("mtu");
            Assert.Equal((1, "warning"), (exit, Status(check)));
            Assert.Equal("lan0 (MTU 1400) → wan0 (MTU 1500)", Evidence(check, "path of rule 'web'"));
        }
        finally { Ip("link", "set", "lan0", "mtu", "1500"); }
        var (okExit, ok) = fixture.Doctor("mtu");
        Assert.Equal((0, "ok"), (okExit, Status(ok)));
        Assert.Equal("lan0 (MTU 1500) → wan0 (MTU 1500)", Evidence(ok, "path of rule 'web'"));

        // A VXLAN over its own underlay (a veth here): created at 1450 (the kernel leaves the 50 B), then the underlay
        // shrinks to 1400 under it (vxlan does not follow its lower device's MTU), then the VXLAN is lowered to 1350.
        Ip("link", "add", "ul0", "type", "veth", "peer", "name", "ul1");
        try
        {
            Ip("link", "add", "vx0", "type", "vxlan", "id", "42", "dev", "ul0", "dstport", "4789", "remote", "10.77.9.2");
            Ip("link", "set", "ul0", "mtu", "1400");
            var (exit, check) = fixture.Doctor("mtu");
            Assert.Equal((1, "warning"), (exit, Status(check)));
            Assert.Equal("MTU 1450 + 50 B overhead = 1500; ul0 (its underlay device) MTU 1400", Evidence(check, "vxlan vx0"));
            Assert.Contains("lower its MTU to 1350", check.GetProperty("summary").GetString());

            Ip("link", "set", "vx0", "mtu", "1350");
            (exit, check) = fixture.Doctor("mtu");
            Assert.Equal((0, "ok"), (exit, Status(check)));
            Assert.Equal("MTU 1350 + 50 B overhead = 1400; ul0 (its underlay device) MTU 1400", Evidence(check, "vxlan vx0"));
        }
        finally
        {
            Lab.Exec(Lab.Gateway, "ip", "link", "del", "vx0");
            Lab.Exec(Lab.Gateway, "ip", "link", "del", "ul0");
        }
    }

    [KernelFact]
    public void Text_output_groups_by_area_and_a_bad_check_id_is_a_usage_error()
    {
        var text = Lab.ExecWithTimeout(Lab.Gateway, TimeSpan.FromSeconds(180), "dotnet", RepositoryPaths.NatgwDll, "doctor", "--db", fixture.DatabasePath);
        Assert.True(text.ExitCode is 0 or 1 or 2, text.StandardError);
        Assert.Contains("natgw doctor at ", text.StandardOutput);
        Assert.Contains("] forwarding-off: ", text.StandardOutput);
        Assert.Contains("Routing", text.StandardOutput);

        var bad = Lab.ExecWithTimeout(Lab.Gateway, TimeSpan.FromSeconds(180), "dotnet", RepositoryPaths.NatgwDll, "doctor", "--check", "nonsense", "--db", fixture.DatabasePath);
        Assert.Equal(64, bad.ExitCode);
        Assert.Contains("--check: 'nonsense' is not a check", bad.StandardError);
    }
}
