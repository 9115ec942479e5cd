using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using NatGateway.Data.Entities;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>One lab with real forwarded traffic and one natgw (default <c>--metrics-access loopback</c>, listening on the
/// LAN address and on 127.0.0.1 in the gateway namespace), shared by the metrics cases.</summary>
public sealed class MetricsLab : IAsyncLifetime
{
    public NamespaceLab Lab { get; private set; } = null!;
    public NatgwProcess App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (Root.SkipReason is not null) return;
        Lab = NamespaceLab.Create();
        ConntrackLabFlows.Create(Lab);
        // The tests' own HTTP to natgw runs over lo in the gateway namespace; untracked, it leaves the counters still, so
        // the scrape and conntrack -S can be compared (otherwise every request moves them between the two reads).
        Lab.Exec(Lab.Gateway, "nft", "add chain inet cttest rawpre { type filter hook prerouting priority raw; }; add rule inet cttest rawpre iif lo notrack; " +
                                     "add chain inet cttest rawout { type filter hook output priority raw; }; add rule inet cttest rawout oif lo notrack")
            .EnsureSuccess("nft: no conntrack on the gateway's loopback");
        App = await NatgwProcess.StartAsync(Lab, Lab.Gateway, NamespaceLab.GatewayLanAddress, alsoLoopback: true);
    }

    /// <summary>A client whose connections start in the gateway namespace and go to 127.0.0.1 (a loopback peer).</summary>
    public HttpClient Loopback(string? token = null)
    {
        var client = NamespaceSockets.CreateHttpClient(Lab.Gateway, new Uri($"http://127.0.0.1:{App.BaseAddress.Port}/"));
        if (token is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private readonly SemaphoreSlim _masqueradeGate = new(1, 1);
    private long? _masqueradeRevision;

    /// <summary>The masquerade rule "metrics-out" (client LAN out of wan0), applied once for the class with a 600 s
    /// confirmation window, whichever case needs it first: one apply, so the apply and confirmation series stay exact.</summary>
    public async Task<long> EnsureMasqueradeAsync()
    {
        await _masqueradeGate.WaitAsync();
        try
        {
            if (_masqueradeRevision is { } applied) return applied;
            using (var created = await App.Http.PostAsync("api/v1/rules", Json(
                       """{"kind": "masquerade", "name": "metrics-out", "enabled": true, "outInterfaces": ["wan0"], "sourceCidrs": ["10.77.1.0/24"]}""")))
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var apply = await App.Http.PostAsync("api/v1/rules/apply", Json("""{"comment": "metrics", "confirmWithinSeconds": 600}"""));
            Assert.Equal(HttpStatusCode.OK, apply.StatusCode);
            _masqueradeRevision = (await apply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revisionId").GetInt64();
            return _masqueradeRevision.Value;
        }
        finally { _masqueradeGate.Release(); }
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    public async Task DisposeAsync()
    {
        if (App is not null) await App.DisposeAsync();
        Lab?.Dispose();
    }
}

/// <summary>
/// /metrics against the real kernel: the node_exporter conntrack families carry what <c>conntrack -C</c> and the sums of
/// <c>conntrack -S</c> say at that moment; the scrape passes <c>promtool check metrics</c>; the alert rules and the
/// dashboard name only families natgw exports; anonymous scrapes are refused from a non-loopback address.
/// </summary>
public sealed class MetricsKernelTests(MetricsLab fixture) : IClassFixture<MetricsLab>
{
    /// <summary>conntrack -S field → node_exporter family.</summary>
    private static readonly (string Field, string Family)[] StatFamilies =
    [
        ("found", "node_nf_conntrack_stat_found"), ("invalid", "node_nf_conntrack_stat_invalid"), ("insert", "node_nf_conntrack_stat_insert"),
        ("insert_failed", "node_nf_conntrack_stat_insert_failed"), ("drop", "node_nf_conntrack_stat_drop"),
        ("early_drop", "node_nf_conntrack_stat_early_drop"), ("search_restart", "node_nf_conntrack_stat_search_restart"),
    ];

    [KernelFact]
    public async Task The_node_exporter_conntrack_families_equal_conntrack_C_and_the_sums_of_conntrack_S()
    {
        using var loopback = fixture.Loopback();
        // The values move (natgw samples once a second, timers expire entries): poll until one scrape sits between two
        // identical kernel reads and equals them.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string last = "";
        while (true)
        {
            var before = KernelReading();
            using var response = await loopback.GetAsync("metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            var after = KernelReading();
            var scrape = PrometheusText.Parse(text);
            var scraped = new Dictionary<string, double?> { ["entries"] = scrape.Value("node_nf_conntrack_entries") };
            foreach (var (field, family) in StatFamilies) scraped[field] = scrape.Value(family);
            if (before.SequenceEqual(after) && before.All(kv => scraped[kv.Key] == kv.Value))
            {
                Assert.True(before["entries"] >= 3, "the lab's traffic made entries");
                Assert.NotNull(scrape.Value("node_nf_conntrack_entries_limit"));
                Assert.Equal(0, scrape.Value("node_nf_conntrack_stat_ignore"));
                var (exit, output) = Promtool.Run(text, "check", "metrics");
                Assert.True(exit == 0, $"promtool check metrics: exit {exit}\n{output}");
                return;
            }
            last = $"kernel {Show(before)} / {Show(after)}, scrape {string.Join(' ', scraped.Select(kv => $"{kv.Key}={kv.Value}"))}";
            if (DateTime.UtcNow > deadline) Assert.Fail($"no scrape equal to the kernel in 60 s; last: {last}");
            await Task.Delay(200); // polling interval
        }
    }

    [KernelFact]
    public async Task The_alert_rules_and_the_dashboard_name_only_families_natgw_exports()
    {
        var rules = Path.Combine(RepositoryPaths.Root, "deploy", "prometheus", "natgw-alerts.yml");
        var (exit, output) = Promtool.Run(null, "check", "rules", rules);
        Assert.True(exit == 0, $"promtool check rules: exit {exit}\n{output}");

        using var loopback = fixture.Loopback();
        var names = PrometheusText.Parse(await loopback.GetStringAsync("metrics")).SeriesNames();
        var expressions = Regex.Matches(File.ReadAllText(rules), @"^\s*expr:\s*(.+)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "grafana", "natgw-dashboard.json")));
        expressions.AddRange(dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!));
        Assert.True(expressions.Count > 20, "the rules and the dashboard hold expressions");
        var unknown = expressions.SelectMany(e => PrometheusText.MetricNamesIn(e).Where(n => !names.Contains(n)).Select(n => $"{n} in {e}")).ToList();
        Assert.Empty(unknown);
    }

    [KernelFact]
    public async Task A_non_loopback_scrape_needs_a_token_of_any_role()
    {
        // app.Http's connections come from the gateway namespace to its LAN address: not loopback.
        using var anonymous = fixture.App.CreateClient(null);
        using (var refused = await anonymous.GetAsync("metrics"))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var viewer = fixture.App.CreateClient(await fixture.App.CreateTokenAsync(Role.Viewer));
        using var ok = await viewer.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("node_nf_conntrack_entries", await ok.Content.ReadAsStringAsync());
        using var wrong = fixture.App.CreateClient("natgw_nope_nope");
        using (var refused = await wrong.GetAsync("metrics"))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [KernelFact]
    public async Task An_applied_rule_counts_its_traffic_under_its_name_and_a_pending_confirmation_shows()
    {
        var revision = await fixture.EnsureMasqueradeAsync();
        Assert.True(fixture.Lab.TcpConnects(fixture.Lab.Client, NamespaceLab.ServerAddress, 80), "a new connection through the masquerade");

        using var loopback = fixture.Loopback();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        PrometheusText scrape;
        while (true)
        {
            scrape = PrometheusText.Parse(await loopback.GetStringAsync("metrics"));
            if (scrape.Value("natgw_rule_packets_total", ("rule", "metrics-out")) >= 1) break;
            if (DateTime.UtcNow > deadline) Assert.Fail("natgw_rule_packets_total{rule=\"metrics-out\"} did not count the connection in 60 s");
            await Task.Delay(250); // polling interval: the rule counters are read at most every 2 s
        }
        Assert.True(scrape.Value("natgw_rule_bytes_total", ("rule", "metrics-out")) >= 40);
        Assert.Equal(1, scrape.Value("natgw_revision_pending_confirmations"));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var confirmBy = scrape.Value("natgw_revision_pending_confirmation_deadline_timestamp_seconds",
            ("revision", revision.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.NotNull(confirmBy);
        Assert.InRange(confirmBy.Value, now + 300, now + 601);
        Assert.Equal(1, scrape.Value("natgw_apply_duration_seconds_count", ("kind", "apply"), ("outcome", "applied")));
    }

    /// <summary>
    /// The doctor and SNAT families carry live values: natgw_doctor_check_status follows the forwarding-off check through
    /// critical (ip_forward=0 in the gateway while the masquerade rule is in force) and back to ok after a doctor run each
    /// (GET /api/v1/doctor runs one; a scrape never does), and natgw_snat_* count the masqueraded connections once the
    /// conntrack mirror is live (GET /api/v1/conntrack starts it; the metrics read SNAT use only from the mirror).
    /// </summary>
    [KernelFact]
    public async Task The_doctor_status_and_the_snat_port_use_show_in_a_scrape()
    {
        await fixture.EnsureMasqueradeAsync();
        var lab = fixture.Lab;
        // Three masqueraded connections; closed, their entries stay (the lab keeps TIME_WAIT entries for an hour).
        for (var i = 0; i < 3; i++)
            Assert.True(lab.TcpConnects(lab.Client, NamespaceLab.ServerAddress, 80), "a connection through the masquerade");
        var inKernel = ConntrackLabFlows.List(lab, "-p", "tcp", "--dport", "80", "--src-nat").Length;
        Assert.True(inKernel >= 3, $"{inKernel} SNAT entries in the gateway's table");
        using (var conntrack = await fixture.App.Http.GetAsync("api/v1/conntrack"))
            Assert.Equal(HttpStatusCode.OK, conntrack.StatusCode);

        using var loopback = fixture.Loopback();
        var address = ("address", NamespaceLab.GatewayWanAddress);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        PrometheusText scrape;
        while (true)
        {
            // The mirror's first dump lands after the GET, and the SNAT series are cached for SnatMetrics.CacheFor.
            scrape = PrometheusText.Parse(await loopback.GetStringAsync("metrics"));
            if (scrape.Value("natgw_snat_ports_in_use", address) >= 1) break;
            if (DateTime.UtcNow > deadline) Assert.Fail($"natgw_snat_ports_in_use{{address=\"{NamespaceLab.GatewayWanAddress}\"}} stayed empty for 60 s");
            await Task.Delay(250); // polling interval
        }
        // All to one destination (server:80), so the fullest destination holds every masqueraded connection.
        Assert.InRange(scrape.Value("natgw_snat_ports_in_use", address)!.Value, 1, inKernel);
        var available = scrape.Value("natgw_snat_ports_available", address);
        Assert.True(available >= 1000, $"ports available {available}");
        Assert.Equal(scrape.Value("natgw_snat_ports_in_use", address)!.Value / available!.Value,
            scrape.Value("natgw_snat_port_use_ratio", address)!.Value, 6);

        var forwardingOff = ("check", "forwarding-off");
        try
        {
            lab.Sysctl(lab.Gateway, "net.ipv4.ip_forward", "0");
            Assert.Equal(2, await DoctorRunThenScrapeAsync(loopback, forwardingOff)); // critical
        }
        finally
        {
            lab.Sysctl(lab.Gateway, "net.ipv4.ip_forward", "1");
        }
        Assert.Equal(0, await DoctorRunThenScrapeAsync(loopback, forwardingOff)); // ok
    }

    /// <summary>Runs the doctor (GET /api/v1/doctor) and answers the check's series in the next scrape.</summary>
    private async Task<double?> DoctorRunThenScrapeAsync(HttpClient loopback, (string, string) check)
    {
        using (var doctor = await fixture.App.Http.GetAsync("api/v1/doctor"))
            Assert.Equal(HttpStatusCode.OK, doctor.StatusCode);
        return PrometheusText.Parse(await loopback.GetStringAsync("metrics")).Value("natgw_doctor_check_status", check);
    }

    /// <summary><c>conntrack -C</c> as "entries" and the sum over CPUs of each <c>conntrack -S</c> field.</summary>
    private Dictionary<string, double> KernelReading()
    {
        var reading = new Dictionary<string, double> { ["entries"] = ConntrackLabFlows.Count(fixture.Lab) };
        var stats = fixture.Lab.Exec(fixture.Lab.Gateway, "conntrack", "-S").StandardOutput;
        foreach (var (field, _) in StatFamilies)
            reading[field] = Regex.Matches(stats, $@"\b{field}=(\d+)").Sum(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        return reading;
    }

    private static string Show(Dictionary<string, double> reading) => string.Join(' ', reading.Select(kv => $"{kv.Key}={kv.Value}"));
}
