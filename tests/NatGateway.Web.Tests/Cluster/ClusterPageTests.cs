using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NatGateway.Core.Cluster;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data.Entities;
using Xunit;

namespace NatGateway.Web.Tests.Cluster;

/// <summary>
/// The Cluster page (bUnit): both nodes with their VRRP state, last transition and conntrackd counters, findings, live
/// updates from the monitor; the form saving a configuration as a revision and showing errors at their fields; fail over
/// now through the dialog; viewers see everything with the controls disabled.
/// </summary>
public sealed class ClusterPageTests : PageTestContext
{
    private readonly FakeClusterServices _services = new() { StateOnStart = VrrpState.Primary };
    private readonly SettablePeerStatus _peer = new();

    protected override void AddPageServices(IServiceCollection services)
    {
        base.AddPageServices(services);
        services.AddSingleton<IClusterPeerStatus>(_peer);
        ClusterServiceRegistration.AddCluster(services);
    }

    private async Task ConfigureAsync()
    {
        Kernel.Cluster = _services;
        await Services.GetRequiredService<ClusterService>().ApplyAsync(NatGateway.Core.Tests.Cluster.ClusterSamples.Config(), "admin", null);
    }

    [Fact]
    public async Task Both_nodes_show_their_state_and_a_split_brain_is_called_out_live()
    {
        await ConfigureAsync();
        _services.Notify(VrrpState.Primary, "keepalived notify: became master");
        _services.Sync = new ConntrackdStats(12, 8, 500, 400, 0, 1);
        SignIn("viewer", Role.Viewer);
        var page = Render<Components.Pages.Cluster>();
        page.WaitForAssertion(() => Assert.Equal("primary", page.Find("[data-testid=cluster-local-state]").TextContent.Trim()));
        Assert.Contains("keepalived notify: became master", page.Find("[data-testid=cluster-local-transition]").TextContent);
        Assert.Contains("500 / 400 / 0", page.Find("[data-testid=cluster-local-sync]").TextContent);
        Assert.Equal("unknown", page.Find("[data-testid=cluster-peer-state]").TextContent.Trim());
        Assert.True(page.Find("[data-testid=cluster-failover]").HasAttribute("disabled"));
        Assert.True(page.Find("[data-testid=cluster-save]").HasAttribute("disabled"));

        // The peer reports primary too: the monitor publishes, the page shows the split brain.
        _peer.Set(new ClusterPeerStatus
        {
            State = PeerReplicationState.InSync, Reachable = true, PeerName = "gw2",
            PeerServices = new ClusterServicesStatus { KeepalivedRunning = true, ConntrackdRunning = true, State = VrrpState.Primary },
        });
        await Services.GetRequiredService<ClusterMonitor>().RefreshAsync();
        page.WaitForAssertion(() => Assert.Equal("primary", page.Find("[data-testid=cluster-peer-state]").TextContent.Trim()));
        Assert.Contains(page.FindAll("[data-testid=cluster-finding]"), f => f.GetAttribute("data-kind") == nameof(ClusterFindingKind.BothPrimary));
    }

    [Fact]
    public async Task The_form_saves_a_revision_and_shows_errors_at_their_fields()
    {
        Kernel.Cluster = _services;
        SignIn("admin", Role.Admin);
        var page = Render<Components.Pages.Cluster>();
        var config = NatGateway.Core.Tests.Cluster.ClusterSamples.Config();
        page.Find("#cluster-inside-vip").Change("10.77.1.1/24");
        page.Find("#cluster-outside-vip").Change("10.77.2.1/24");
        page.Find("#cluster-local-name").Change("gw1");
        page.Find("#cluster-inside-if").Change("lan0");
        page.Find("#cluster-outside-if").Change("wan0");
        page.Find("#cluster-sync-if").Change("sync0");
        page.Find("#cluster-sync-address").Change("10.77.3.1/30");
        page.Find("#cluster-peer-name").Change("gw2");
        page.Find("#cluster-peer-address").Change("10.77.3.2");
        page.Find("#cluster-advert").Change("0.1");
        page.Find("#cluster-priority").Change("255");
        page.Find("[data-testid=cluster-save]").Click();
        page.WaitForAssertion(() => Assert.NotNull(page.Instance.Form.ErrorOf("local.priority")));
        Assert.Contains("1..254", page.Instance.Form.ErrorOf("local.priority"));
        // At the field: the error text sits in the priority box's own input control.
        Assert.Contains("1..254", page.FindAll(".mud-input-control").Single(c => c.QuerySelector("#cluster-priority") is not null).TextContent);
        Assert.Null((await Services.GetRequiredService<NatGateway.Core.Revisions.RevisionService>().ClusterInForceAsync()).Config);

        page.Find("#cluster-priority").Change("150");
        page.Find("[data-testid=cluster-save]").Click();
        // Saved as a (commit-confirmed) revision; cluster mode stays off until switched on, so nothing is started yet.
        var revisions = Services.GetRequiredService<NatGateway.Core.Revisions.RevisionService>();
        ClusterConfig? inForce = null;
        page.WaitForAssertion(() => Assert.NotNull(inForce = revisions.ClusterInForceAsync().GetAwaiter().GetResult().Config));
        Assert.Equal(ClusterJson.Serialize(config with { Enabled = false }), ClusterJson.Serialize(inForce!));
        Assert.Empty(_services.Applied);
        Assert.Empty(page.FindAll("[data-testid=cluster-error]"));
    }
}

/// <summary>The Rules page's conversion banner: shown once a cluster configuration is saved and the draft holds masquerade
/// rules; one click turns them into SNAT to the outside VIP in the draft.</summary>
public sealed class ClusterMasqueradeBannerTests : PageTestContext
{
    protected override void AddPageServices(IServiceCollection services)
    {
        base.AddPageServices(services);
        ClusterServiceRegistration.AddCluster(services);
    }

    [Fact]
    public async Task The_rules_page_offers_the_conversion_to_snat_to_the_outside_vip()
    {
        Kernel.Cluster = new FakeClusterServices { StateOnStart = VrrpState.Backup };
        var rules = Services.GetRequiredService<NatGateway.Core.Rules.NatRulesService>();
        var masquerade = NatGateway.Nat.NatRuleJson.Parse("""{"kind": "masquerade", "name": "out", "outInterfaces": ["wan0"]}""").Rule!;
        Assert.True((await rules.CreateAsync(masquerade, "test")).Saved);
        SignIn("admin", Role.Admin);

        var before = Render<Components.Cluster.ClusterMasqueradeBanner>();
        Assert.Empty(before.FindAll("[data-testid=cluster-masquerade-banner]")); // no cluster configuration: nothing to say

        await Services.GetRequiredService<ClusterService>().ApplyAsync(NatGateway.Core.Tests.Cluster.ClusterSamples.Config() with { Enabled = false }, "admin", null);
        var banner = Render<Components.Cluster.ClusterMasqueradeBanner>();
        banner.WaitForAssertion(() => Assert.Contains("10.77.2.1", banner.Find("[data-testid=cluster-masquerade-banner]").TextContent));
        banner.Find("[data-testid=cluster-masquerade-convert]").Click();
        banner.WaitForAssertion(() => Assert.Empty(banner.FindAll("[data-testid=cluster-masquerade-banner]")));
        var snat = Assert.IsType<NatGateway.Nat.SnatRule>(Assert.Single(await rules.ListAsync()));
        Assert.Equal("10.77.2.1", snat.TranslateTo.ToString());
    }
}
