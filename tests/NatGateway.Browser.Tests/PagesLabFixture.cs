using System.Net;
using System.Text;
using System.Text.Json;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Browser.Tests;

/// <summary>
/// One natgw in a lab gateway namespace shared by the page-wide checks (accessibility, layout, focus): a port
/// forward applied and used by real traffic, then edited, so the Rules page shows its pending bar with the
/// "delete the live connections" option, History has revisions and Connections has entries.
/// </summary>
public sealed class PagesLabFixture : IAsyncLifetime
{
    /// <summary>Every routed page (grep <c>@page</c> in src/NatGateway.Web/Components/Pages).</summary>
    public static readonly string[] Pages = ["", "rules", "conntrack", "history", "settings", "capacity", "doctor", "doctor/drops", "trace", "cluster", "error"];

    private NamespaceLab? _lab;
    private NatgwProcess? _app;
    private NamespaceTcpProxy? _proxy;
    private Guid _ruleId;
    private int _edits;

    public Uri BaseUri => _proxy!.LocalUri;
    public NatgwProcess App => _app!;

    public async Task InitializeAsync()
    {
        if (ChromiumFixture.SkipReason is not null) return;
        _lab = NamespaceLab.Create();
        _lab.Start(_lab.Server, "nc", ["-k", "-l", "-p", "80"]);
        // A conntrack user in the gateway makes nf_conntrack's per-namespace sysctls (and the Capacity page's numbers) exist.
        ProcessRunner.Run("ip", ["netns", "exec", _lab.Gateway, "nft", "-f", "-"], TimeSpan.FromSeconds(20),
            "table inet cap { chain forward_state { type filter hook forward priority 0; ct state new counter; }; }").EnsureSuccess("nft");
        // Closed connections stay in the table (TIME_WAIT) for the whole run: the purge option depends on them.
        _lab.Sysctl(_lab.Gateway, "net.netfilter.nf_conntrack_tcp_timeout_time_wait", "3600");
        _lab.Sysctl(_lab.Gateway, "net.ipv4.ip_forward", "1");
        _app = await NatgwProcess.StartAsync(_lab, _lab.Gateway, NamespaceLab.GatewayLanAddress);
        _proxy = new NamespaceTcpProxy(_lab.Client, new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));

        using var created = await _app.Http.PostAsync("api/v1/rules", Json(Forward("web forward to the lab server", "first")));
        created.EnsureSuccessStatusCode();
        using (var doc = JsonDocument.Parse(await created.Content.ReadAsStringAsync()))
            _ruleId = doc.RootElement.GetProperty("id").GetGuid();
        (await _app.Http.PostAsync("api/v1/rules/apply", Json("""{"comment": "baseline for the page checks"}"""))).EnsureSuccessStatusCode();
        for (var i = 0; i < 3; i++)
            Assert.True(_lab.TcpConnects(_lab.Client, NamespaceLab.GatewayLanAddress, 8080), "the applied forward must reach the server");
        await EnsurePendingChangeAsync();
        // One short drop capture, so the drop panel (on /doctor and /doctor/drops) shows its charts and tables to the checks.
        // Where the host has no tracefs or tracepoint the panel shows why instead, and that markup is what gets checked.
        using var capture = await _app.Http.PostAsync("api/v1/doctor/drops", Json("""{"seconds": 1}"""));
        HasDropCapture = capture.IsSuccessStatusCode;
    }

    /// <summary>Whether the drop capture at start worked (the drop panels then show charts).</summary>
    public bool HasDropCapture { get; private set; }

    /// <summary>Edits the applied rule so the Rules page has a pending change whatever an earlier test applied.</summary>
    public async Task EnsurePendingChangeAsync()
    {
        var description = $"edit {Interlocked.Increment(ref _edits)}";
        (await _app!.Http.PutAsync($"api/v1/rules/{_ruleId}", Json(Forward("web forward to the lab server", description)))).EnsureSuccessStatusCode();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string Forward(string name, string description) => $$"""
        {"kind": "dnat", "name": "{{name}}", "description": "{{description}}", "inInterfaces": ["lan0"], "protocol": "tcp",
         "destinationPort": "8080", "targetAddress": "{{NamespaceLab.ServerAddress}}", "targetPort": "80"}
        """;

    public async Task DisposeAsync()
    {
        if (_proxy is not null) await _proxy.DisposeAsync();
        if (_app is not null) await _app.DisposeAsync();
        _lab?.Dispose();
    }
}
