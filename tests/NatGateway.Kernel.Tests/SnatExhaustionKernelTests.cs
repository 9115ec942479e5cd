using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// SNAT port exhaustion for real (issue 13's first acceptance case), through the product: a masquerade rule with a
/// 10-port range, ten long-lived TCP connections from the lab client to ONE server address and port fill it;
/// GET /api/v1/doctor?check=snat-ports shows 10 of 10 for that (address, port, tcp), critical; the eleventh connection's
/// SYN is dropped (insert_failed: no unique reply tuple is left); the wider range the check offers, applied with
/// POST /api/v1/doctor/fixes (commit-confirmed, then confirmed), lets new connections through. One natgw, no restarts.
/// </summary>
public sealed class SnatExhaustionKernelTests
{
    private const int ServerPort = 8443;
    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    [KernelFact]
    public async Task A_full_masquerade_port_range_reads_100_percent_drops_the_next_flow_and_a_wider_range_lets_new_flows_through()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var ct = cts.Token;
        using var lab = NamespaceLab.Create();
        lab.Sysctl(lab.Gateway, "net.ipv4.ip_forward", "1");
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        // A listener that never accepts: the server's kernel completes every handshake into the backlog, so each client
        // connection stays ESTABLISHED (and its conntrack entry with its translated port) for as long as the test holds it.
        using var listener = NetworkNamespace.RunIn(lab.Server, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Parse(NamespaceLab.ServerAddress), ServerPort));
            s.Listen(256);
            return s;
        });

        using var created = await app.Http.PostAsync("api/v1/rules", Json($$"""
            {"kind": "masquerade", "name": "narrow", "outInterfaces": ["{{NamespaceLab.GatewayWanInterface}}"], "sourceCidrs": ["10.77.1.0/24"],
             "protocol": "tcp", "ports": "10000-10009"}
            """), ct);
        created.EnsureSuccessStatusCode();
        var rule = await created.Content.ReadFromJsonAsync<JsonElement>(ct);
        var ruleId = rule.GetProperty("id").GetGuid();
        (await app.Http.PostAsync("api/v1/rules/apply", Json("""{"comment": "narrow range"}"""), ct)).EnsureSuccessStatusCode();

        var server = new IPEndPoint(IPAddress.Parse(NamespaceLab.ServerAddress), ServerPort);
        var open = new List<Socket>();
        try
        {
            for (var i = 0; i < 10; i++) open.Add(await NamespaceSockets.ConnectAsync(lab.Client, server, ct));

            // The product path: the doctor's snat-ports check as GET /api/v1/doctor serves it (natgw's own meter over its
            // mirror and the revision in force) shows the destination full: critical at 100%.
            var meter = $"ports of {NamespaceLab.GatewayWanAddress} → {NamespaceLab.ServerAddress}:{ServerPort}/tcp";
            var full = await SnatCheckAsync(app, ct);
            Assert.Equal("Critical", full.GetProperty("status").GetString());
            Assert.Equal("10 of 10 (100%), rule 'narrow'", Evidence(full, meter));
            var offered = full.GetProperty("fixes").EnumerateArray().Single(f => f.GetProperty("kind").GetString() == "SnatWiderPortRange");
            Assert.Equal(ruleId, offered.GetProperty("target").GetProperty("ruleId").GetGuid());

            // The eleventh: NAT finds no free port, the entry clashes at confirmation and its SYN is dropped
            // (insert_failed rises); the connect waits for a SYN-ACK that cannot come while the range is full.
            var insertFailedBefore = InsertFailed(lab);
            using var eleventh = NetworkNamespace.RunIn(lab.Client, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            var stalled = eleventh.ConnectAsync(server, ct).AsTask();
            await WaitUntilAsync(() => InsertFailed(lab) > insertFailedBefore, "insert_failed to rise for the eleventh SYN", ct);
            Assert.False(stalled.IsCompletedSuccessfully);

            // The fix the check offers, through POST /api/v1/doctor/fixes: one revision, commit-confirmed, then confirmed.
            using var apply = await app.Http.PostAsync("api/v1/doctor/fixes",
                Json("""{"check": "snat-ports", "kind": "SnatWiderPortRange", "confirmWithinSeconds": 120}"""), ct);
            Assert.True(apply.IsSuccessStatusCode, await apply.Content.ReadAsStringAsync(ct));
            var pending = await apply.Content.ReadFromJsonAsync<JsonElement>(ct);
            Assert.Equal("pending-confirmation", pending.GetProperty("state").GetString());
            var revisionId = pending.GetProperty("revisionId").GetInt64();
            (await app.Http.PostAsync($"api/v1/revisions/{revisionId}/confirm", Json("{}"), ct)).EnsureSuccessStatusCode();
            var active = await app.Http.GetFromJsonAsync<JsonElement>($"api/v1/revisions/{revisionId}", ct);
            Assert.Equal("applied", active.GetProperty("summary").GetProperty("state").GetString());
            using (var noPending = await app.Http.GetAsync("api/v1/revisions/pending", ct)) Assert.Equal(HttpStatusCode.NoContent, noPending.StatusCode);
            for (var i = 0; i < 5; i++) open.Add(await NamespaceSockets.ConnectAsync(lab.Client, server, ct));

            // The meter now counts against 1024-65535: far below the warning fill. (The status may stay critical for one
            // run: the insert_failed rise of the eleventh SYN is in the rate since the previous snapshot.)
            var after = await SnatCheckAsync(app, ct);
            var use = Evidence(after, meter);
            Assert.Matches(@"^1[56] of 64512 \(0%\), rule 'narrow'$", use); // the eleventh's retransmitted SYN may have got through too
            Assert.Equal("ports 1024-65535, not fully-random", Evidence(after, "rule 'narrow'"));
            Assert.DoesNotContain(after.GetProperty("fixes").EnumerateArray(), f => f.GetProperty("kind").GetString() == "SnatWiderPortRange");
        }
        finally
        {
            foreach (var socket in open) socket.Dispose();
        }
    }

    /// <summary>GET /api/v1/doctor?check=snat-ports: the one check of the report.</summary>
    private static async Task<JsonElement> SnatCheckAsync(NatgwProcess app, CancellationToken ct)
    {
        var report = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/doctor?check=snat-ports", ct);
        return report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "snat-ports");
    }

    private static string Evidence(JsonElement check, string name) =>
        check.GetProperty("evidence").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name).GetProperty("value").GetString()!;

    private static long InsertFailed(NamespaceLab lab) =>
        lab.Exec(lab.Gateway, "conntrack", "-S").StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(field => field.StartsWith("insert_failed=", StringComparison.Ordinal))
            .Sum(field => long.Parse(field["insert_failed=".Length..]));

    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 60 s for {what}");
            await Task.Delay(50, ct);
        }
    }
}
