using System.Net;
using System.Net.Sockets;
using Microsoft.Playwright;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Browser.Tests;

/// <summary>
/// The Doctor page in Chromium against one natgw in a lab gateway namespace (<see cref="DoctorLabFixture"/>, shared by
/// the cases): a problem the real checks find, its fix clicked, confirmed in the dialog and in the pending-confirmation
/// banner (<see cref="ApplyFixAsync"/>), and the check fine afterwards. The cases leave what they applied in force, and
/// each sets up the kernel state it starts from, so they hold in either order.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class DoctorBrowserTests(ChromiumFixture chromium, DoctorLabFixture fixture) : IClassFixture<DoctorLabFixture>
{
    private const int ServerPort = 8443;
    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    [BrowserFact]
    public async Task Forwarding_off_with_a_port_forward_is_critical_and_its_fix_turns_forwarding_on()
    {
        var (lab, app) = (fixture.Lab, fixture.App);
        // The other case may have run first and left forwarding on.
        lab.Sysctl(lab.Gateway, "net.ipv4.ip_forward", "0");
        (await app.Http.PostAsync("api/v1/rules", Json("""
            {"kind": "dnat", "name": "web", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "8080", "targetAddress": "10.77.2.2", "targetPort": "80"}
            """))).EnsureSuccessStatusCode();
        (await app.Http.PostAsync("api/v1/rules/apply", Json("{}"))).EnsureSuccessStatusCode();
        var page = await chromium.NewPageAsync(fixture.BaseUri);

        await page.GotoAsync("doctor");
        await page.WaitForInteractiveAsync();
        // The background run may predate the rule: run the checks now.
        await page.Locator("button[data-testid=run-now]").ClickAsync();
        var check = page.Locator("[data-testid=check][data-check=forwarding-off]");
        await Assertions.Expect(check).ToHaveAttributeAsync("data-status", "Critical");
        await Assertions.Expect(check.Locator("[data-testid=evidence]")).ToContainTextAsync("IPv4 forwarding");

        await ApplyFixAsync(page, "forwarding-off", "EnableForwarding");

        Assert.Equal("1", lab.Exec(lab.Gateway, "cat", "/proc/sys/net/ipv4/ip_forward").StandardOutput.Trim());
        await Assertions.Expect(check).ToHaveAttributeAsync("data-status", "Ok");
        await Assertions.Expect(page.Locator("[data-testid=doctor-history]")).ToContainTextAsync("forwarding-off");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "natgw-doctor.png"), FullPage = true });
        await page.CloseAsync();
    }

    /// <summary>
    /// Issue 13's acceptance case: real SNAT exhaustion (as in SnatExhaustionKernelTests: a masquerade rule with a
    /// 10-port range, ten held TCP connections from the lab client to one server address and port) shows on the page
    /// with its evidence; the wider-range fix, applied and confirmed from the page, lets a new connection through.
    /// </summary>
    [BrowserFact]
    public async Task Snat_exhaustion_shows_critical_with_its_evidence_and_the_wider_range_fix_lets_a_new_connection_through()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        var ct = cts.Token;
        var (lab, app) = (fixture.Lab, fixture.App);
        lab.Sysctl(lab.Gateway, "net.ipv4.ip_forward", "1");
        // A listener that never accepts: each handshake completes into the backlog, so each connection (and its conntrack
        // entry with its translated port) stays ESTABLISHED while the test holds its socket.
        using var listener = NetworkNamespace.RunIn(lab.Server, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Parse(NamespaceLab.ServerAddress), ServerPort));
            s.Listen(256);
            return s;
        });
        (await app.Http.PostAsync("api/v1/rules", Json($$"""
            {"kind": "masquerade", "name": "narrow", "outInterfaces": ["{{NamespaceLab.GatewayWanInterface}}"], "sourceCidrs": ["10.77.1.0/24"],
             "protocol": "tcp", "ports": "10000-10009"}
            """), ct)).EnsureSuccessStatusCode();
        (await app.Http.PostAsync("api/v1/rules/apply", Json("""{"comment": "narrow range"}"""), ct)).EnsureSuccessStatusCode();

        var server = new IPEndPoint(IPAddress.Parse(NamespaceLab.ServerAddress), ServerPort);
        var open = new List<Socket>();
        try
        {
            for (var i = 0; i < 10; i++) open.Add(await NamespaceSockets.ConnectAsync(lab.Client, server, ct));
            var page = await chromium.NewPageAsync(fixture.BaseUri);
            await page.GotoAsync("doctor");
            await page.WaitForInteractiveAsync();
            // The monitor's last run predates the connections: run the checks now.
            await page.Locator("button[data-testid=run-now]").ClickAsync();
            var check = page.Locator("[data-testid=check][data-check=snat-ports]");
            await Assertions.Expect(check).ToHaveAttributeAsync("data-status", "Critical");
            var evidence = check.Locator("[data-testid=evidence]");
            await Assertions.Expect(evidence).ToContainTextAsync(
                $"ports of {NamespaceLab.GatewayWanAddress} → {NamespaceLab.ServerAddress}:{ServerPort}/tcp");
            await Assertions.Expect(evidence).ToContainTextAsync("10 of 10 (100%), rule 'narrow'");
            await Assertions.Expect(page.Locator("[data-testid=snat-bars]")).ToContainTextAsync("100 %");

            await ApplyFixAsync(page, "snat-ports", "SnatWiderPortRange");

            // The page ran the checks again after the fix: 10 of 64512 ports is far below the threshold.
            await Assertions.Expect(check).ToHaveAttributeAsync("data-status", "Ok");
            await Assertions.Expect(evidence).ToContainTextAsync("10 of 64512");
            // A new connection through the gateway gets a port now, and the next run counts it.
            open.Add(await NamespaceSockets.ConnectAsync(lab.Client, server, ct));
            await page.Locator("button[data-testid=run-now]").ClickAsync();
            await Assertions.Expect(evidence).ToContainTextAsync("11 of 64512");
            await Assertions.Expect(check).ToHaveAttributeAsync("data-status", "Ok");
            await Assertions.Expect(page.Locator("[data-testid=doctor-history]")).ToContainTextAsync("snat-ports");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "natgw-doctor-snat.png"), FullPage = true });
            await page.CloseAsync();
        }
        finally
        {
            foreach (var socket in open) socket.Dispose();
        }
    }

    /// <summary>Clicks the check's fix of <paramref name="kind"/>, accepts the dialog (which names the confirmation window)
    /// and confirms the revision in the banner that takes over.</summary>
    private static async Task ApplyFixAsync(IPage page, string checkId, string kind)
    {
        var dialog = await page.ClickToOpenDialogAsync(
            page.Locator($"[data-testid=check][data-check={checkId}] button[data-testid=fix][data-kind={kind}]"));
        await Assertions.Expect(dialog).ToContainTextAsync("must be confirmed within");
        await page.CloseDialogWithAsync(dialog.GetByRole(AriaRole.Button, new() { Name = "Apply fix" }));
        await Assertions.Expect(page.Locator("[data-testid=confirm-banner]")).ToBeVisibleAsync();
        await page.Locator("button[data-testid=confirm-button]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=confirm-banner]")).ToHaveCountAsync(0);
    }
}

/// <summary>One lab and one natgw (served to Chromium through a proxy in the lab client) for all Doctor page cases.</summary>
public sealed class DoctorLabFixture : IAsyncLifetime
{
    private NamespaceLab? _lab;
    private NatgwProcess? _app;
    private NamespaceTcpProxy? _proxy;

    public NamespaceLab Lab => _lab!;
    public NatgwProcess App => _app!;
    public Uri BaseUri => _proxy!.LocalUri;

    public async Task InitializeAsync()
    {
        if (ChromiumFixture.SkipReason is not null) return;
        _lab = NamespaceLab.Create();
        _app = await NatgwProcess.StartAsync(_lab, _lab.Gateway, NamespaceLab.GatewayLanAddress);
        _proxy = new NamespaceTcpProxy(_lab.Client, new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));
    }

    public async Task DisposeAsync()
    {
        if (_proxy is not null) await _proxy.DisposeAsync();
        if (_app is not null) await _app.DisposeAsync();
        _lab?.Dispose();
    }
}
