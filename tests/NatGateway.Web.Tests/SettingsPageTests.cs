using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using NatGateway.Data;
using NatGateway.Web.Components.Pages;
using Xunit;

namespace NatGateway.Web.Tests;

public sealed class SettingsPageTests : PageTestContext
{
    [Fact]
    public void Shows_the_kernel_values_and_the_effective_rp_filter_per_interface()
    {
        Kernel.Memory.Values["net.ipv4.ip_forward"] = "1";
        Kernel.Memory.Values["net.ipv4.conf.all.rp_filter"] = "1";
        Kernel.Memory.Values["net.ipv4.conf.wan0.rp_filter"] = "2";

        var page = Render<Settings>();

        page.WaitForAssertion(() =>
        {
            Assert.Equal("on", page.Find("[data-testid=ipv4-current]").TextContent);
            Assert.Equal("off", page.Find("[data-testid=ipv6-current]").TextContent);
            var lan = page.Find("tr[data-interface=lan0]");
            Assert.Contains("strict", lan.TextContent);           // max(all=1, own=0)
            Assert.Contains("maximum", lan.TextContent);
            Assert.Contains("loose", page.Find("tr[data-interface=wan0]").TextContent);
            Assert.Equal("0 pending change(s)", page.Find("[data-testid=pending-count]").TextContent);
        });
    }

    [Fact]
    public async Task Toggling_forwarding_and_applying_writes_the_kernel_and_records_the_change()
    {
        var page = Render<Settings>();
        var toggle = page.FindComponents<MudSwitch<bool>>().First(s => s.Instance.Label!.StartsWith("IPv4", StringComparison.Ordinal));

        await page.InvokeAsync(() => toggle.Instance.ValueChanged.InvokeAsync(true));
        Assert.Equal("1 pending change(s)", page.Find("[data-testid=pending-count]").TextContent);
        Assert.Equal("0", Kernel.Memory.Values["net.ipv4.ip_forward"]); // nothing is written before Apply

        page.Find("button[data-testid=apply]").Click();

        // The current value and the history reload one after the other: wait for both.
        page.WaitForAssertion(() =>
        {
            Assert.Equal("on", page.Find("[data-testid=ipv4-current]").TextContent);
            Assert.Contains("net.ipv4.ip_forward", page.Find("[data-testid=history]").TextContent);
        });
        Assert.Equal("1", Kernel.Memory.Values["net.ipv4.ip_forward"]);
        Assert.Equal([("net.ipv4.ip_forward", "1")], Kernel.Memory.Writes);
        await using var db = await Services.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>().CreateDbContextAsync();
        var change = Assert.Single(db.SettingChanges);
        Assert.Equal(("0", "1", "admin"), (change.OldValue, change.NewValue, change.ChangedBy));
    }

    [Fact]
    public async Task A_kernel_refusal_is_shown_as_a_message_and_nothing_changes()
    {
        Kernel.Memory.Rejecting.Add("net.ipv4.ip_forward");
        var page = Render<Settings>();
        var toggle = page.FindComponents<MudSwitch<bool>>().First(s => s.Instance.Label!.StartsWith("IPv4", StringComparison.Ordinal));
        await page.InvokeAsync(() => toggle.Instance.ValueChanged.InvokeAsync(true));

        page.Find("button[data-testid=apply]").Click();

        page.WaitForAssertion(() => Assert.Contains("rejected", page.Find("[data-testid=settings-error]").TextContent));
        Assert.Equal("0", Kernel.Memory.Values["net.ipv4.ip_forward"]);
    }

    [Fact]
    public void A_read_only_key_disables_its_switch()
    {
        Kernel.Memory.ReadOnly.Add("net.ipv6.conf.all.forwarding");
        var page = Render<Settings>();
        page.WaitForAssertion(() =>
        {
            var v6 = page.FindComponents<MudSwitch<bool>>().First(s => s.Instance.Label!.StartsWith("IPv6", StringComparison.Ordinal));
            Assert.True(v6.Instance.Disabled);
        });
    }
}
