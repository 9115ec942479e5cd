using System.Net;
using Microsoft.Playwright;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Browser.Tests;

/// <summary>The Capacity page in Chromium against natgw running in a lab gateway namespace.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class CapacityBrowserTests(ChromiumFixture chromium)
{
    private const string TimeWait = "net.netfilter.nf_conntrack_tcp_timeout_time_wait";

    [BrowserFact]
    public async Task Planning_from_rates_and_applying_shortens_the_timeouts_and_explains_the_global_limits()
    {
        using var lab = NamespaceLab.Create();
        // A conntrack user in the gateway makes sure nf_conntrack's per-namespace sysctls exist there.
        ProcessRunner.Run("ip", ["netns", "exec", lab.Gateway, "nft", "-f", "-"], TimeSpan.FromSeconds(20),
            "table inet cap { chain forward_state { type filter hook forward priority 0; ct state new counter; }; }").EnsureSuccess("nft");
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        await using var proxy = new NamespaceTcpProxy(lab.Client, new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));
        var page = await chromium.NewPageAsync(proxy.LocalUri);
        var maxBefore = lab.Exec(lab.Gateway, "sysctl", "-n", "net.netfilter.nf_conntrack_max").StandardOutput.Trim();

        await page.GotoAsync("capacity");
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid=now-readonly]")).ToContainTextAsync("initial network namespace");

        var entries = page.Locator(".mud-input-control:has-text('Expected entries') input");
        await entries.FillAsync("400000");
        await entries.PressAsync("Tab");
        await Assertions.Expect(page.Locator("[data-testid=recommended-max]")).ToHaveTextAsync("400,000");
        await Assertions.Expect(page.Locator("[data-testid=chart-recommended]")).ToBeVisibleAsync();
        // Only max/buckets would change, and they are read-only in this namespace: nothing to apply, said once.
        await Assertions.Expect(page.Locator("button[data-testid=apply]")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("[data-testid=apply-blocked]")).ToContainTextAsync("Nothing to change here");
        Assert.Equal(1, await ExplanationCountAsync(page));

        await page.GetByText("New connections per second").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=timeouts]")).ToContainTextAsync("nf_conntrack_tcp_timeout_time_wait");
        await page.GetByText("Also shorten the timeouts as suggested").ClickAsync();
        await page.Locator("button[data-testid=apply]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=apply-confirmation]")).ToContainTextAsync($"{TimeWait} = 30");
        Assert.Equal("120", lab.Exec(lab.Gateway, "sysctl", "-n", TimeWait).StandardOutput.Trim()); // nothing before confirming

        await page.Locator("button[data-testid=apply-confirm]").ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=apply-result]")).ToContainTextAsync($"{TimeWait}: 120 → 30");
        await Assertions.Expect(page.Locator("[data-testid=apply-readonly]")).ToHaveCountAsync(2);
        Assert.Equal(1, await ExplanationCountAsync(page));
        Assert.Equal("30", lab.Exec(lab.Gateway, "sysctl", "-n", TimeWait).StandardOutput.Trim());
        Assert.Equal(maxBefore, lab.Exec(lab.Gateway, "sysctl", "-n", "net.netfilter.nf_conntrack_max").StandardOutput.Trim());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "natgw-capacity.png"), FullPage = true });
        await page.CloseAsync();
    }

    /// <summary>How often the page explains why max/buckets are read-only (the Now panel says it; nothing repeats it).</summary>
    private static Task<int> ExplanationCountAsync(IPage page) =>
        page.EvaluateAsync<int>("() => document.body.innerText.split('initial network namespace').length - 1");
}
