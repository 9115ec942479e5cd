using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using NatGateway.Core.Cluster;
using NatGateway.TestSupport;
using NatGateway.TestSupport.Ha;
using Xunit;
using Xunit.Abstractions;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// The HA lab's topology (<see cref="HaLab"/> without its in-process services) with the whole product on each gateway:
/// <c>natgw agent</c> as root and <c>natgw serve --agent</c> unprivileged (<see cref="NatgwProcess"/> in
/// <see cref="KernelMode.Agent"/>), the web on the gateway's inside address. Everything is configured through the REST
/// API, as an operator would: the same shared secret on both, each node's cluster configuration (its own local part,
/// the same shared part: VRID, 0.1 s adverts, the VIPs) commit-confirmed and confirmed, then the SNAT rule to the outside
/// VIP applied on the primary only (the backup gets it by configuration sync). keepalived and conntrackd are the agent's
/// children (LocalClusterServices in <c>natgw agent</c>). Shared by the class; each test starts from "gw1 primary, gw2
/// backup" and leaves the pair so.
/// </summary>
public sealed class HaAgentPairFixture : IAsyncLifetime
{
    public const int WebPort = 5080;
    /// <summary>The peers' shared secret (≥ 32 bytes; set on both through PUT /api/v1/cluster/secret).</summary>
    private const string Secret = "ha-e2e lab secret: 32 bytes or more, the same on both nodes";
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private readonly Dictionary<HaNode, NatgwProcess> _gateways = [];
    /// <summary>Every natgw instance started, in order: a restarted node's earlier instance owns its data directory, so
    /// instances are disposed newest first.</summary>
    private readonly List<NatgwProcess> _started = [];
    private HaLab? _lab;

    public HaLab Lab => _lab ?? throw new InvalidOperationException("the lab was not created (skipped?)");
    public NatgwProcess Gw(HaNode node) => _gateways[node];
    /// <summary>How long the set-up took (both natgw started, configured, gw1 elected, the SNAT rule applied).</summary>
    public TimeSpan SetUp { get; private set; }
    /// <summary>The revision of the SNAT rule applied on gw1 at set-up.</summary>
    public long SnatRevision { get; private set; }

    public static string? SkipReason =>
        Root.SkipReason ?? (File.Exists("/usr/sbin/keepalived") && File.Exists("/usr/sbin/conntrackd") ? null
            : "keepalived and conntrackd are not installed (apt-get install --no-install-recommends keepalived conntrackd)");

    public async Task InitializeAsync()
    {
        if (SkipReason is not null) return;
        var watch = Stopwatch.StartNew();
        _lab = HaLab.Create(inProcessServices: false);
        // Both gateways start at once (each a cold natgw: JIT and migrations dominate).
        var starts = new[] { HaNode.Gw1, HaNode.Gw2 }.ToDictionary(n => n, StartAsync);
        foreach (var (node, start) in starts) _gateways[node] = await start;

        // gw1 first: it is primary before gw2 exists, so the election is not a race of two starts.
        await ConfigureClusterAsync(HaNode.Gw1);
        await WaitForRolesAsync(HaNode.Gw1, VrrpState.Primary, null, "gw1 primary alone");
        await ConfigureClusterAsync(HaNode.Gw2);
        await WaitForRolesAsync(HaNode.Gw1, VrrpState.Primary, VrrpState.Backup, "gw1 primary, gw2 backup");
        // The translation, on the primary only: cluster mode refuses masquerade; SNAT to the outside VIP for the inside
        // network (HaLab.SnatToOutsideVip: the gateways' own VRRP adverts must not be translated).
        await CreateRuleAsync(Gw(HaNode.Gw1), "snat-to-vip", "10.77.1.0/24");
        SnatRevision = await ApplyAsync(Gw(HaNode.Gw1), "ha-e2e: SNAT to the outside VIP");
        Lab.ResolveNeighbours();
        SetUp = watch.Elapsed;
    }

    private async Task<NatgwProcess> StartAsync(HaNode node, string? dataDirectory)
    {
        var app = await NatgwProcess.StartAsync(Lab, Lab.Namespace(node), HaLab.InsideAddress(node), WebPort, mode: KernelMode.Agent,
            dataDirectory: dataDirectory);
        lock (_started) _started.Add(app);
        return app;
    }

    private Task<NatgwProcess> StartAsync(HaNode node) => StartAsync(node, null);

    /// <summary>Stops both natgw processes of <paramref name="node"/> as <c>systemctl stop</c> would (SIGTERM; the agent
    /// stops its keepalived and conntrackd as it exits, AgentCommand).</summary>
    public async Task StopAsync(HaNode node) => await Gw(node).StopAsync();

    /// <summary>The names of the processes running in <paramref name="node"/>'s namespace.</summary>
    public IReadOnlyList<string> ProcessesIn(HaNode node) =>
        ProcessRunner.Run("ip", "netns", "pids", Lab.Namespace(node)).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => { try { return File.ReadAllText($"/proc/{p}/comm").Trim(); } catch (IOException) { return ""; } })
            .Where(c => c.Length > 0).ToList();

    /// <summary>natgw again on the node's database (agent and web); returns once the web answers.</summary>
    public async Task RestartAsync(HaNode node) => _gateways[node] = await StartAsync(node, Gw(node).DataDirectory);

    /// <summary>PUT the secret and the node's cluster configuration (commit-confirmed), then confirm it.</summary>
    private async Task ConfigureClusterAsync(HaNode node)
    {
        var app = Gw(node);
        using (var secret = await app.Http.PutAsync("api/v1/cluster/secret", Json(JsonSerializer.Serialize(new { secret = Secret }))))
            Assert.True(secret.StatusCode == HttpStatusCode.NoContent, $"{node}: PUT secret: {(int)secret.StatusCode} {await secret.Content.ReadAsStringAsync()}");
        // The product's one JSON shape of a cluster configuration, from the lab's typed one (gw1 primary 150, gw2 backup 100).
        using var put = await app.Http.PutAsync("api/v1/cluster?confirmWithinSeconds=300", Json(ClusterJson.Serialize(Lab.Config(node))));
        var body = await put.Content.ReadAsStringAsync();
        Assert.True(put.IsSuccessStatusCode, $"{node}: PUT cluster: {(int)put.StatusCode} {body}\n{app.Output}");
        await ConfirmAsync(app, JsonDocument.Parse(body).RootElement.GetProperty("revisionId").GetInt64());
    }

    public static async Task ConfirmAsync(NatgwProcess app, long revision)
    {
        using var confirm = await app.Http.PostAsync($"api/v1/revisions/{revision}/confirm", null);
        Assert.True(confirm.IsSuccessStatusCode, $"confirm {revision}: {(int)confirm.StatusCode} {await confirm.Content.ReadAsStringAsync()}");
    }

    public static async Task CreateRuleAsync(NatgwProcess app, string name, string source)
    {
        using var post = await app.Http.PostAsync("api/v1/rules", Json(JsonSerializer.Serialize(new
        {
            kind = "snat", name, outInterfaces = new[] { HaLab.OutsideInterface }, sourceCidrs = new[] { source }, translateTo = HaLab.OutsideVip,
        })));
        Assert.True(post.IsSuccessStatusCode, $"POST rule {name}: {(int)post.StatusCode} {await post.Content.ReadAsStringAsync()}");
    }

    /// <summary>POST /api/v1/rules/apply; the revision id of the answer.</summary>
    public static async Task<long> ApplyAsync(NatgwProcess app, string comment)
    {
        using var apply = await app.Http.PostAsync("api/v1/rules/apply", Json(JsonSerializer.Serialize(new { comment })));
        var body = await apply.Content.ReadAsStringAsync();
        Assert.True(apply.IsSuccessStatusCode, $"apply: {(int)apply.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("revisionId").GetInt64();
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>GET /api/v1/cluster of the node.</summary>
    public async Task<JsonElement> ClusterAsync(HaNode node)
    {
        using var get = await Gw(node).Http.GetAsync("api/v1/cluster");
        var body = await get.Content.ReadAsStringAsync();
        Assert.True(get.IsSuccessStatusCode, $"GET cluster on {node}: {(int)get.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static VrrpState StateOf(JsonElement node) =>
        Enum.Parse<VrrpState>(node.GetProperty("vrrpState").GetString()!, ignoreCase: true);

    public static long? RevisionOf(JsonElement node) =>
        node.GetProperty("revisionId") is { ValueKind: JsonValueKind.Number } id ? id.GetInt64() : null;

    /// <summary>Waits until each node's own view (its agent's VRRP state) is as given (null: not checked) and the VIPs
    /// are on the primary only (<c>ip -n NS addr</c>).</summary>
    public async Task WaitForRolesAsync(HaNode primary, VrrpState? primaryState, VrrpState? otherState, string what)
    {
        var other = HaLab.Other(primary);
        var last = "";
        await Until(async () =>
        {
            var p = StateOf((await ClusterAsync(primary)).GetProperty("local"));
            var o = otherState is null ? (VrrpState?)null : StateOf((await ClusterAsync(other)).GetProperty("local"));
            last = $"{primary} {p}, {other} {o?.ToString() ?? "-"}, VIP on {primary}: {Lab.HoldsVip(primary)}, on {other}: {Lab.HoldsVip(other)}";
            return (primaryState is null || p == primaryState) && (otherState is null || o == otherState)
                   && Lab.HoldsVip(primary) && !Lab.HoldsVip(other);
        }, Deadline, () => $"{what} (last: {last})\n{Outputs()}");
    }

    /// <summary>Polls <paramref name="condition"/> every <paramref name="poll"/> (20 ms by default) until it holds; returns
    /// the time it took; throws with <paramref name="what"/> after <paramref name="deadline"/>.</summary>
    public static async Task<TimeSpan> Until(Func<Task<bool>> condition, TimeSpan deadline, Func<string> what, TimeSpan? poll = null)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > deadline) throw new TimeoutException($"waited {deadline.TotalSeconds:0} s for: {what()}");
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(20)); // polling interval, not a wait for a fixed time
        }
        return watch.Elapsed;
    }

    /// <summary>The pair as each test starts: both nodes' natgw answering, gw1 primary with the VIPs, gw2 backup.</summary>
    public Task WaitForBaselineAsync() => WaitForRolesAsync(HaNode.Gw1, VrrpState.Primary, VrrpState.Backup, "gw1 primary and gw2 backup");

    /// <summary>Both nodes' output, for a failure's message.</summary>
    public string Outputs() => string.Join("\n", _gateways.Select(g => $"==== {g.Key} ====\n{g.Value.Output}"));

    public async Task DisposeAsync()
    {
        if (_lab is null) return;
        // Every process of the lab's gateways before the stop: keepalived, conntrackd, natgw (agent, web), notify hooks.
        var inLab = new[] { HaNode.Gw1, HaNode.Gw2 }.SelectMany(n => ProcessRunner.Run("ip", "netns", "pids", _lab.Namespace(n)).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
        List<NatgwProcess> started;
        lock (_started) started = [.. _started];
        started.Reverse();
        foreach (var app in started) await app.DisposeAsync();
        var namespaces = new[] { _lab.Switch, _lab.Client, _lab.Server, _lab.Namespace(HaNode.Gw1), _lab.Namespace(HaNode.Gw2) };
        _lab.Dispose();
        // Nothing outlives the class: no process that ran in a gateway (keepalived and conntrackd included) and no hal-*
        // namespace of this lab. A failure here fails the class's run (xunit reports the fixture's cleanup).
        var survivors = new List<string>();
        await Until(() =>
        {
            survivors = inLab.Select(Alive).OfType<string>().ToList();
            return Task.FromResult(survivors.Count == 0);
        }, TimeSpan.FromSeconds(30), () => $"processes of the HA pair still running: {string.Join(", ", survivors)}");
        var left = ProcessRunner.Run("ip", "netns", "list").StandardOutput.Split('\n')
            .Where(l => namespaces.Any(ns => l.StartsWith(ns + " ", StringComparison.Ordinal) || l.Trim() == ns)).ToList();
        if (left.Count > 0) throw new InvalidOperationException($"namespaces of the HA pair left behind: {string.Join(", ", left)}");
    }

    /// <summary>"PID (comm)" while the process runs (a zombie or a pid that is gone: null).</summary>
    private static string? Alive(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] == "Z" ? null : $"{pid} ({File.ReadAllText($"/proc/{pid}/comm").Trim()})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}

/// <summary>A fact of <see cref="HaAgentPairKernelTests"/>: root, keepalived and conntrackd (and for the page, Chromium).</summary>
public sealed class HaPairFactAttribute : FactAttribute
{
    public HaPairFactAttribute(bool chromium = false)
    {
        if (HaAgentPairFixture.SkipReason is { } reason) Skip = reason;
        else if (chromium && !File.Exists(HaAgentPairKernelTests.ChromiumPath))
            Skip = $"{HaAgentPairKernelTests.ChromiumPath} is not installed (apt-get install chromium)";
    }
}

/// <summary>
/// Issue 15's acceptance with two real natgw pairs of processes in agent mode (<see cref="HaAgentPairFixture"/>): VRRP
/// elects the configured primary; configuration sync carries an apply on the primary to the backup as the same
/// revision within 2 s, the backup refuses local edits, a node that was down receives the revision it missed; flows
/// through the VIP survive "fail over now" and the fail back; and the Cluster page in Chromium follows a failover.
/// </summary>
[LongRunning(90)]
public sealed class HaAgentPairKernelTests(HaAgentPairFixture fixture, ITestOutputHelper output) : IClassFixture<HaAgentPairFixture>
{
    public const string ChromiumPath = "/usr/bin/chromium";
    /// <summary>Issue 15: "An apply on the primary appears on the backup as the same revision within 2 s".</summary>
    private static readonly TimeSpan SyncAllowed = TimeSpan.FromSeconds(2);
    private static TimeSpan Deadline => HaAgentPairFixture.Deadline;

    [HaPairFact]
    public async Task VRRP_elects_the_configured_primary_and_the_VIPs_are_on_it()
    {
        output.WriteLine($"set-up (lab, two natgw in agent mode, configuration through the API, election, SNAT applied): {fixture.SetUp.TotalSeconds:0.0} s");
        await fixture.WaitForBaselineAsync();
        var gw1 = await fixture.ClusterAsync(HaNode.Gw1);
        var gw2 = await fixture.ClusterAsync(HaNode.Gw2);
        Assert.Equal(VrrpState.Primary, HaAgentPairFixture.StateOf(gw1.GetProperty("local")));
        Assert.Equal(VrrpState.Backup, HaAgentPairFixture.StateOf(gw2.GetProperty("local")));
        // The daemons run under gw1's agent (the product's LocalClusterServices), in gw1's namespace.
        Assert.True(gw1.GetProperty("local").GetProperty("keepalivedRunning").GetBoolean(), "keepalived runs on gw1");
        Assert.True(gw1.GetProperty("local").GetProperty("conntrackdRunning").GetBoolean(), "conntrackd runs on gw1");
        Assert.True(gw2.GetProperty("local").GetProperty("conntrackdRunning").GetBoolean(), "conntrackd runs on gw2");
        foreach (var (dev, vip) in new[] { (HaLab.InsideInterface, HaLab.InsideVip), (HaLab.OutsideInterface, HaLab.OutsideVip) })
        {
            Assert.Contains($" {vip}/24 ", Addresses(HaNode.Gw1, dev));
            Assert.DoesNotContain($" {vip}/24 ", Addresses(HaNode.Gw2, dev));
        }
    }

    [HaPairFact]
    public async Task An_apply_on_the_primary_reaches_the_backup_as_the_same_revision_the_backup_refuses_edits_and_a_returning_node_catches_up()
    {
        await fixture.WaitForBaselineAsync();
        var gw1 = fixture.Gw(HaNode.Gw1);
        // The set-up's rule first (the backup had no revision of rules before it).
        await WaitInForceAsync(HaNode.Gw2, fixture.SnatRevision, Deadline);

        // (b) An apply on the primary: the backup holds the same revision id in force, measured from the apply's answer.
        await HaAgentPairFixture.CreateRuleAsync(gw1, "sync-b", "10.77.1.128/25");
        var revision = await HaAgentPairFixture.ApplyAsync(gw1, "ha-e2e: replicated apply");
        var answered = Stopwatch.StartNew();
        var took = await WaitInForceAsync(HaNode.Gw2, revision, Deadline);
        output.WriteLine($"revision {revision} in force on gw2 {took.TotalSeconds:0.000} s after gw1's apply answered");
        Assert.True(answered.Elapsed >= took);
        Assert.True(took <= SyncAllowed, $"revision {revision} reached gw2 after {took.TotalSeconds:0.000} s > {SyncAllowed.TotalSeconds} s");
        // The same content: the rule is in gw2's revision.
        using (var get = await fixture.Gw(HaNode.Gw2).Http.GetAsync($"api/v1/revisions/{revision}"))
        {
            var body = await get.Content.ReadAsStringAsync();
            Assert.True(get.IsSuccessStatusCode, body);
            Assert.Contains("\"sync-b\"", body);
        }

        // (c) The backup refuses a local edit, with the reason.
        using (var edit = await fixture.Gw(HaNode.Gw2).Http.PostAsync("api/v1/rules", HaAgentPairFixture.Json(
            """{"kind": "snat", "name": "on-backup", "outInterfaces": ["out0"], "sourceCidrs": ["10.77.1.0/26"], "translateTo": "10.77.2.1"}""")))
        {
            var body = await edit.Content.ReadAsStringAsync();
            Assert.True(edit.StatusCode == HttpStatusCode.Conflict, $"{(int)edit.StatusCode} {body}");
            Assert.Contains("backup", body, StringComparison.Ordinal);
            Assert.Contains("primary", body, StringComparison.Ordinal);
        }

        // (d) gw2's natgw stopped (web and agent, SIGTERM as systemctl stop sends): the agent takes its keepalived and
        // conntrackd with it (its children; a node whose natgw is down must not stay in the VRRP group or hold sync state
        // it no longer manages). A change on gw1 meanwhile; gw2's natgw back: it receives the missed revision, same id.
        await fixture.StopAsync(HaNode.Gw2);
        await HaAgentPairFixture.Until(() => Task.FromResult(!fixture.ProcessesIn(HaNode.Gw2).Any(c => c is "keepalived" or "conntrackd")),
            Deadline, () => $"gw2's daemons stopped with its agent (running: {string.Join(", ", fixture.ProcessesIn(HaNode.Gw2))})", TimeSpan.FromMilliseconds(100));
        await HaAgentPairFixture.CreateRuleAsync(gw1, "while-gw2-down", "10.77.1.64/26");
        var missed = await HaAgentPairFixture.ApplyAsync(gw1, "ha-e2e: applied while gw2 is down");
        await fixture.RestartAsync(HaNode.Gw2);
        // gw2's own start-up recovery records a revision of its own ("recovery: re-apply revision N", kind startup), which
        // takes the next id on gw2 — the id of the revision it missed. A re-apply record is no change of its own: gw2 drops
        // it to store the missed revision under the primary's id (RevisionStore.FirstReplicableIdAsync).
        var restarted = Stopwatch.StartNew();
        long? gw1InForce = null, gw2InForce = null;
        var gw2Body = "";
        await HaAgentPairFixture.Until(async () =>
        {
            gw1InForce = HaAgentPairFixture.RevisionOf((await fixture.ClusterAsync(HaNode.Gw1)).GetProperty("local"));
            gw2InForce = HaAgentPairFixture.RevisionOf((await fixture.ClusterAsync(HaNode.Gw2)).GetProperty("local"));
            if (gw2InForce != missed) return false;
            using var get = await fixture.Gw(HaNode.Gw2).Http.GetAsync($"api/v1/revisions/{gw2InForce}");
            gw2Body = await get.Content.ReadAsStringAsync();
            return get.IsSuccessStatusCode && gw2Body.Contains("\"while-gw2-down\"", StringComparison.Ordinal);
        }, Deadline, () => $"gw2 in step with gw1 on the missed revision {missed} with its rule (gw1 in force {gw1InForce}, gw2 {gw2InForce}; gw2's {gw2Body})\n{fixture.Outputs()}");
        Assert.Equal(missed, gw1InForce);
        output.WriteLine($"missed revision {missed}: in force on gw2 under the same id {restarted.Elapsed.TotalSeconds:0.000} s after gw2's natgw answered again");
        // And the restarted agent runs gw2's daemons again (the revision in force's cluster configuration): the pair is whole.
        await fixture.WaitForBaselineAsync();
    }

    [HaPairFact]
    public async Task Twenty_flows_through_the_VIP_survive_fail_over_now_and_the_fail_back()
    {
        await fixture.WaitForBaselineAsync();
        var lab = fixture.Lab;
        var gw1 = fixture.Gw(HaNode.Gw1);
        // gw2 translates only once the SNAT rule reached it by configuration sync.
        await WaitInForceAsync(HaNode.Gw2, fixture.SnatRevision, Deadline, atLeast: true);
        const int Flows = 20, Port = 7101;
        await using var server = new EchoServer(lab.Server, new IPEndPoint(IPAddress.Parse(HaLab.ServerAddress), Port));
        await using var fleet = await EchoFleet.OpenAsync(lab.Client, server.EndPoint, Flows);
        // The backup's kernel table holds every flow (conntrackd's FTFW, external cache disabled) before the failover.
        lab.WaitForPeerCopy(HaNode.Gw2, Port, Flows, Deadline);

        var start = Stopwatch.GetTimestamp();
        await StandDownAsync(gw1, "failover");
        await fixture.WaitForRolesAsync(HaNode.Gw2, VrrpState.Primary, VrrpState.Backup, "gw2 primary with the VIPs after fail over now");
        var moved = Stopwatch.GetTimestamp();
        await fleet.WaitAllEchoedAfterAsync(moved, Deadline);
        var over = fleet.Figures(start, moved);
        Assert.True(over.Survivors == Flows && over.Reset == 0, $"fail over now: {over.Survivors} of {Flows} flows echo, {over.Reset} reset");

        lab.WaitForPeerCopy(HaNode.Gw1, Port, Flows, Deadline);
        start = Stopwatch.GetTimestamp();
        await StandDownAsync(gw1, "failback");
        await fixture.WaitForBaselineAsync();
        moved = Stopwatch.GetTimestamp();
        await fleet.WaitAllEchoedAfterAsync(moved, Deadline);
        var back = fleet.Figures(start, moved);
        Assert.True(back.Survivors == Flows && back.Reset == 0, $"fail back: {back.Survivors} of {Flows} flows echo, {back.Reset} reset");
        output.WriteLine($"{Flows} flows; fail over now: max gap {over.MaxGap.TotalSeconds:0.000} s (p50 {over.P50Gap.TotalSeconds:0.000} s); " +
                         $"fail back: max gap {back.MaxGap.TotalSeconds:0.000} s (p50 {back.P50Gap.TotalSeconds:0.000} s)");
    }

    [HaPairFact(chromium: true)]
    public async Task The_Cluster_page_in_Chromium_follows_a_fail_over_and_the_fail_back()
    {
        await fixture.WaitForBaselineAsync();
        var lab = fixture.Lab;
        var gw1 = fixture.Gw(HaNode.Gw1);
        // Chromium runs on the host; gw1's web listens in gw1's namespace: a loopback proxy into it (natgw allows Host
        // 127.0.0.1, NatgwProcess's default), as the browser tests reach their lab's natgw.
        await using var proxy = new NamespaceTcpProxy(lab.Namespace(HaNode.Gw1), new IPEndPoint(IPAddress.Parse(HaLab.InsideAddress(HaNode.Gw1)), HaAgentPairFixture.WebPort));
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath, Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = proxy.LocalUri.ToString() });
        page.SetDefaultTimeout(60_000);
        await page.GotoAsync("login");
        await page.Locator("#login-name").FillAsync(TestAccounts.AdminName);
        await page.Locator("#login-password").FillAsync(TestAccounts.AdminPassword);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Sign in" }).ClickAsync();
        // Waits for the URL to leave /login (Playwright's URL assertion polls it), not the next page's load event: once (a
        // cold lab, first run after a build) the signed-in dashboard's load event had not fired after 180 s although the
        // sign-in had gone through, and WaitForURLAsync waits for that event when the URL already matches. What this test
        // needs is the Cluster page's circuit, waited for below.
        await Assertions.Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"^[a-z]+://[^/]+/login(\?.*)?$"),
            new PageAssertionsToHaveURLOptions { Timeout = 180_000 });
        await page.GotoAsync("cluster", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        // Blazor's circuit is up (the page refreshes live from the cluster monitor's subscription).
        await page.Locator("[data-interactive=true]").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        var expect = new LocatorAssertionsToHaveTextOptions { Timeout = 60_000 };
        var local = page.Locator("[data-testid=cluster-local-state]");
        var peer = page.Locator("[data-testid=cluster-peer-state]");
        await Assertions.Expect(local).ToHaveTextAsync("primary", expect);
        await Assertions.Expect(peer).ToHaveTextAsync("backup", expect);

        // The page's own "Fail over now" and its confirmation dialog; the commit-confirm through the API.
        await page.Locator("[data-testid=cluster-failover]").ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Fail over" }).ClickAsync();
        await ConfirmPendingAsync(gw1);
        await Assertions.Expect(local).ToHaveTextAsync("backup", expect);
        await Assertions.Expect(peer).ToHaveTextAsync("primary", expect);
        await Assertions.Expect(page.Locator("[data-testid=cluster-local]")).ToContainTextAsync("gw1", new LocatorAssertionsToContainTextOptions { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-testid=cluster-peer]")).ToContainTextAsync("gw2", new LocatorAssertionsToContainTextOptions { Timeout = 60_000 });
        Assert.True(lab.HoldsVip(HaNode.Gw2), "the page says gw2 is primary: gw2 holds the inside VIP");

        await page.Locator("[data-testid=cluster-failback]").ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Fail back" }).ClickAsync();
        await ConfirmPendingAsync(gw1);
        await Assertions.Expect(local).ToHaveTextAsync("primary", expect);
        await Assertions.Expect(peer).ToHaveTextAsync("backup", expect);
        await fixture.WaitForBaselineAsync();
    }

    /// <summary>"Fail over now" or fail back on <paramref name="app"/> (always commit-confirmed), then its confirmation.</summary>
    private static async Task StandDownAsync(NatgwProcess app, string action)
    {
        using var post = await app.Http.PostAsync($"api/v1/cluster/{action}", HaAgentPairFixture.Json("""{"confirmWithinSeconds": 300}"""));
        var body = await post.Content.ReadAsStringAsync();
        Assert.True(post.IsSuccessStatusCode, $"{action}: {(int)post.StatusCode} {body}");
        var answer = JsonDocument.Parse(body).RootElement;
        // Commit-confirmed: it reverts unless confirmed by then.
        Assert.Equal(JsonValueKind.String, answer.GetProperty("confirmBy").ValueKind);
        await HaAgentPairFixture.ConfirmAsync(app, answer.GetProperty("revisionId").GetInt64());
    }

    /// <summary>Confirms the revision the page's action left waiting (GET /api/v1/revisions/pending), once it is there.</summary>
    private static async Task ConfirmPendingAsync(NatgwProcess app)
    {
        long? pending = null;
        await HaAgentPairFixture.Until(async () =>
        {
            using var get = await app.Http.GetAsync("api/v1/revisions/pending");
            if (get.StatusCode != HttpStatusCode.OK) return false;
            pending = JsonDocument.Parse(await get.Content.ReadAsStringAsync()).RootElement.GetProperty("revisionId").GetInt64();
            return true;
        }, Deadline, () => "the page's action waits for confirmation", TimeSpan.FromMilliseconds(100));
        await HaAgentPairFixture.ConfirmAsync(app, pending!.Value);
    }

    /// <summary>Waits until <paramref name="node"/>'s revision in force (GET /api/v1/cluster) is <paramref name="revision"/>
    /// (or, with <paramref name="atLeast"/>, a later one) and returns how long that took; polls every 20 ms.</summary>
    private async Task<TimeSpan> WaitInForceAsync(HaNode node, long revision, TimeSpan deadline, bool atLeast = false)
    {
        long? last = null;
        try
        {
            return await HaAgentPairFixture.Until(async () =>
            {
                last = HaAgentPairFixture.RevisionOf((await fixture.ClusterAsync(node)).GetProperty("local"));
                return last == revision || (atLeast && last > revision);
            }, deadline, () => $"revision {revision} in force on {node} (last: {last?.ToString(CultureInfo.InvariantCulture) ?? "none"})");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{fixture.Outputs()}", e);
        }
    }

    private string Addresses(HaNode node, string dev) =>
        fixture.Lab.Exec(fixture.Lab.Namespace(node), "ip", "-4", "-o", "addr", "show", "dev", dev).StandardOutput + " ";
}
