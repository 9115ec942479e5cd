using System.Net;
using Microsoft.Playwright;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Browser.Tests;

/// <summary>An operator on the lab's client network opens natgw (running in the gateway namespace) in Chromium.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class SettingsBrowserTests(ChromiumFixture chromium)
{
    [BrowserFact]
    public async Task Toggling_ipv4_forwarding_on_the_settings_page_changes_the_gateway_kernel()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        await using var proxy = new NamespaceTcpProxy(lab.Client, new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));
        var page = await chromium.NewPageAsync(proxy.LocalUri);

        await page.GotoAsync("settings");
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid=ipv4-current]")).ToHaveTextAsync("off");

        await page.Locator("[data-testid=ipv4-forwarding] input[type=checkbox]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=pending-count]")).ToHaveTextAsync("1 pending change(s)");
        await page.Locator("button[data-testid=apply]").ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=ipv4-current]")).ToHaveTextAsync("on");
        Assert.Equal("1", lab.Exec(lab.Gateway, "cat", "/proc/sys/net/ipv4/ip_forward").StandardOutput.Trim());
        await Assertions.Expect(page.Locator("[data-testid=history]")).ToContainTextAsync("net.ipv4.ip_forward");

        // The dashboard reflects the same kernel state.
        await page.Locator("a[href='']").First.ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=ipv4-forwarding] [data-value]")).ToHaveAttributeAsync("data-value", "on");
        await Assertions.Expect(page.Locator("[data-testid=interfaces]")).ToContainTextAsync("wan0");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "natgw-dashboard.png"), FullPage = true });
        await page.CloseAsync();
    }
}
