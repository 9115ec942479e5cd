using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
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
[LongRunning(306)]
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

    /// <summary>Polls <paramref name="condition"/> until it holds (deadline generous for a loaded box; never a fixed wait).</summary>
    private static void WaitUntil(Func<bool> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not within {seconds} s: {what}");
            Thread.Sleep(50); // polling interval, not a wait for a fixed time
        }
    }

    /// <summary>Unreplied UDP entries from the client to the server in the gateway's table (conntrack -L lists one per line).</summary>
    private int UnrepliedUdpToServer() => Lab.Exec(Lab.Gateway, "conntrack", "-L", "-p", "udp", "-s", NamespaceLab.ClientAddress, "-d", NamespaceLab.ServerAddress)
        .StandardOutput.Split('\n').Count(line => line.Contains("[UNREPLIED]", StringComparison.Ordinal));

    [KernelFact]
    public void Unreplied_udp_holding_most_of_the_table_warns_with_its_timeout_and_offers_a_shorter_one_and_is_ok_once_deleted()
    {
        const int ports = 1250;
        // The unreplied-UDP timeout (30 s by default) lengthened in the lab gateway, before the traffic: a loaded box
        // can take longer than 30 s from the last datagram to the doctor's dump. The check must then name this value.
        Lab.Sysctl(Lab.Gateway, "net.netfilter.nf_conntrack_udp_timeout", "3600");
        Lab.Sysctl(Lab.Gateway, "net.ipv4.ip_forward", "1");
        try
        {
            // A ping resolves the client's and the gateway's neighbours first: datagrams queued behind an unresolved
            // neighbour beyond unres_qlen_bytes are dropped before the gateway sees them.
            WaitUntil(() => Lab.Pings(Lab.Client, NamespaceLab.ServerAddress), "the client pings the server through the gateway");
            // One client socket to many ports of the server, where nothing listens: each datagram is a new 5-tuple, so
            // one gateway entry each; the server's port-unreachable ICMP is RELATED to it and leaves it unreplied
            // (nf_conntrack_icmpv4_error() never sets IPS_SEEN_REPLY).
            using var socket = NetworkNamespace.RunIn(Lab.Client, () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
            var payload = new byte[16];
            WaitUntil(() =>
            {
                for (var port = 20000; port < 20000 + ports; port++)
                    socket.SendTo(payload, new IPEndPoint(IPAddress.Parse(NamespaceLab.ServerAddress), port));
                return UnrepliedUdpToServer() >= 1200;
            }, "1,200 unreplied UDP entries in the gateway's table");

            var (exit, check) = fixture.Doctor("timeouts");
            Assert.Equal((1, "warning"), (exit, Status(check)));
            Assert.Matches(@"^UDP_UNREPLIED holds \d+(\.\d)?% of [\d,]+ entries \(nf_conntrack_udp_timeout = 3600 s\)$", check.GetProperty("summary").GetString());
            Assert.Matches(@"^[\d,]+ \(\d+(\.\d)?%\), nf_conntrack_udp_timeout = 3600 s$", Evidence(check, "UDP_UNREPLIED"));
            var fix = Assert.Single(check.GetProperty("fixes").EnumerateArray());
            Assert.Equal("shortenTimeout", fix.GetProperty("kind").GetString());
            Assert.Equal("nf_conntrack_udp_timeout", fix.GetProperty("target").GetProperty("timeoutKey").GetString());
            Assert.Equal(10, fix.GetProperty("target").GetProperty("value").GetInt32());

            Lab.Exec(Lab.Gateway, "conntrack", "-D", "-p", "udp", "-s", NamespaceLab.ClientAddress, "-d", NamespaceLab.ServerAddress);
            WaitUntil(() => UnrepliedUdpToServer() == 0, "the unreplied UDP entries deleted");
            (exit, check) = fixture.Doctor("timeouts");
            Assert.Equal((0, "ok"), (exit, Status(check)));
            Assert.Empty(check.GetProperty("fixes").EnumerateArray());
        }
        finally
        {
            Lab.Exec(Lab.Gateway, "conntrack", "-D", "-p", "udp", "-s", NamespaceLab.ClientAddress, "-d", NamespaceLab.ServerAddress);
            Lab.Sysctl(Lab.Gateway, "net.netfilter.nf_conntrack_udp_timeout", "30");
        }
    }

    /// <summary>Broadcast frames of EtherType 0x88B5 (IEEE 802 local experimental) out of argv[1] every 10 ms until killed.
    /// No protocol handler takes that type on the receiving end, so __netif_receive_skb_core() counts each one in the
    /// device's rx_dropped (dev_core_stats_rx_dropped_inc): the drop column of /proc/net/dev rises for real.</summary>
    private const string UnknownEtherTypeSender = """
        import socket, sys, time
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((sys.argv[1], 0))
        frame = b"\xff" * 6 + s.getsockname()[4] + b"\x88\xb5" + bytes(46)
        while True:
            s.send(frame)
            time.sleep(0.01)
        """;

    /// <summary>lan0's rx drop column in the gateway's /proc/net/dev (the 4th number after "lan0:").</summary>
    private ulong GatewayLanRxDropped()
    {
        var line = Lab.Exec(Lab.Gateway, "cat", "/proc/net/dev").StandardOutput.Split('\n')
            .Single(l => l.TrimStart().StartsWith(NamespaceLab.GatewayLanInterface + ":", StringComparison.Ordinal));
        return ulong.Parse(line.Split(':', 2)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]);
    }

    [KernelFact]
    public void Rx_drops_rising_on_a_lab_interface_warn_with_the_interface_and_rate_and_are_ok_once_the_traffic_stops()
    {
        var before = GatewayLanRxDropped();
        var sender = Lab.Start(Lab.Client, "/usr/bin/python3", ["-c", UnknownEtherTypeSender, "eth0"]);
        try
        {
            // The sender is flowing before the doctor's first sample; it keeps flowing through the second.
            WaitUntil(() => GatewayLanRxDropped() > before, "lan0's rx drops rising in the gateway");
            var (exit, check) = fixture.Doctor("interface-errors");
            Assert.Equal((1, "warning"), (exit, Status(check)));
            Assert.Contains("lan0 (rx drops)", check.GetProperty("summary").GetString());
            Assert.Matches(@"; rising: rx drops \d+(\.\d+)?/s$", Evidence(check, "lan0"));
        }
        finally
        {
            sender.Kill(entireProcessTree: true);
            sender.WaitForExit();
        }
        var (okExit, ok) = fixture.Doctor("interface-errors");
        Assert.Equal((0, "ok"), (okExit, Status(ok)));
        Assert.DoesNotContain("rising", Evidence(ok, "lan0"));
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
