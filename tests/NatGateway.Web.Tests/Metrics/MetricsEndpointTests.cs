using System.Net;
using System.Text;
using NatGateway.Data.Entities;
using NatGateway.TestSupport;
using NatGateway.Web.Metrics;
using NatGateway.Web.Tests.Api;
using Xunit;

namespace NatGateway.Web.Tests.Metrics;

/// <summary>
/// /metrics of the whole web app in this process (the in-memory kernel, no background services): the scrape is valid
/// Prometheus text (promtool and our reader), an apply shows in the apply histogram, and the access modes answer as
/// the README says from loopback. The node_exporter values against the real kernel: MetricsKernelTests.
/// </summary>
public sealed class MetricsEndpointTests(InProcessApp app) : IClassFixture<InProcessApp>
{
    [Fact]
    public async Task An_anonymous_loopback_scrape_is_prometheus_text_and_an_apply_shows_in_the_apply_histogram()
    {
        using var created = await app.Admin.PostAsync("api/v1/rules", new StringContent("""
            {"kind": "masquerade", "name": "out", "enabled": true, "outInterfaces": ["wan0"], "sourceCidrs": ["10.0.0.0/24"]}
            """, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using (var apply = await app.Admin.PostAsync("api/v1/rules/apply", new StringContent("""{"comment": "metrics"}""", Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, apply.StatusCode);

        using var anonymous = await app.ClientAsync(null);
        using var response = await anonymous.GetAsync("metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);

        var (exit, output) = Promtool.Run(text, "check", "metrics");
        Assert.True(exit == 0, $"promtool check metrics: exit {exit}\n{output}\n{text}");
        var scrape = PrometheusText.Parse(text);
        Assert.Equal("histogram", scrape.Types["natgw_apply_duration_seconds"]);
        Assert.Equal(1, scrape.Value("natgw_apply_duration_seconds_count", ("kind", "apply"), ("outcome", "applied")));
        Assert.Equal(0, scrape.Value("natgw_revision_pending_confirmations"));
        Assert.Equal(1, scrape.Value("natgw_conntrack_mirror_state", ("state", "stopped")));
        Assert.Equal("counter", scrape.Types["natgw_rule_packets_total"]);
    }

    [Fact]
    public void Rules_beyond_the_limit_are_summed_under_other()
    {
        var rules = Enumerable.Range(0, 5).Select(i => ($"r{i}", (long)(i * 10), (long)(i * 100)));
        var bounded = RuleMetrics.Bound(rules, max: 3);
        Assert.Equal(["r4", "r3", "r2", RuleMetrics.OtherLabel], bounded.Select(b => b.Name));
        Assert.Equal((10L, 100L), (bounded[3].Packets, bounded[3].Bytes));
        Assert.Equal(5, RuleMetrics.Bound(rules, max: 5).Count);
    }

    [Fact]
    public void Loopback_is_127_8_and_ipv6_loopback_also_when_mapped()
    {
        Assert.True(MetricsAccess.IsLoopback(IPAddress.Parse("127.0.0.1")));
        Assert.True(MetricsAccess.IsLoopback(IPAddress.Parse("127.3.2.1")));
        Assert.True(MetricsAccess.IsLoopback(IPAddress.Parse("::1")));
        Assert.True(MetricsAccess.IsLoopback(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.False(MetricsAccess.IsLoopback(IPAddress.Parse("10.77.1.1")));
        Assert.False(MetricsAccess.IsLoopback(IPAddress.Parse("::ffff:10.0.0.1")));
        Assert.False(MetricsAccess.IsLoopback(null));
    }
}

/// <summary><c>--metrics-access token</c> and <c>off</c>, in-process from loopback.</summary>
public sealed class MetricsAccessModeTests
{
    [Fact]
    public async Task Token_mode_refuses_an_anonymous_loopback_scrape_and_takes_a_viewer_token()
    {
        await using var app = new InProcessAppHandle(MetricsAccessMode.Token);
        await app.App.InitializeAsync();
        using var anonymous = await app.App.ClientAsync(null);
        using (var refused = await anonymous.GetAsync("metrics"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.ToString());
        }
        using var viewer = await app.App.ClientAsync(Role.Viewer);
        using var ok = await viewer.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("natgw_revision_pending_confirmations", await ok.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Off_mode_answers_404_with_or_without_a_token()
    {
        await using var app = new InProcessAppHandle(MetricsAccessMode.Off);
        await app.App.InitializeAsync();
        using var anonymous = await app.App.ClientAsync(null);
        using (var response = await anonymous.GetAsync("metrics")) Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using (var response = await app.App.Admin.GetAsync("metrics")) Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private sealed class InProcessAppHandle(MetricsAccessMode mode) : IAsyncDisposable
    {
        public InProcessApp App { get; } = new(mode);
        public async ValueTask DisposeAsync() => await App.DisposeAsync();
    }
}
