using System.Net;
using Microsoft.Playwright;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Browser.Tests;

/// <summary>An operator browses the lab gateway's conntrack table in Chromium: filter, sort, page, sees a new connection
/// appear live, and deletes all matching entries after a confirmation that states the count.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class ConntrackBrowserTests(ChromiumFixture chromium)
{
    [BrowserFact]
    public async Task Filter_sort_page_watch_a_live_connection_and_delete_with_confirmation()
    {
        using var lab = NamespaceLab.Create();
        // A namespace tracks connections once a rule needs conntrack; this one lives in the lab gateway's own ruleset.
        lab.Exec(lab.Gateway, "nft", "add table inet cttest; add chain inet cttest track { type filter hook forward priority 0; }; " +
                                     "add rule inet cttest track ct state new counter").EnsureSuccess("nft");
        lab.Sysctl(lab.Gateway, "net.ipv4.ip_forward", "1");
        lab.StartTcpServer(lab.Server, 80, "nc", ["-k", "-l", "-p", "80"]);
        for (var i = 100; i < 160; i++)
            lab.Exec(lab.Gateway, "conntrack", "-I", "-p", "udp", "-s", $"10.77.1.{i}", "-d", NamespaceLab.ServerAddress,
                "--sport", (30000 + i).ToString(), "--dport", "53", "-t", "600").EnsureSuccess("conntrack -I");

        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        await using var proxy = new NamespaceTcpProxy(lab.Client, new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));
        var page = await chromium.NewPageAsync(proxy.LocalUri);

        await page.GotoAsync("conntrack");
        await page.WaitForInteractiveAsync();
        var total = page.Locator("[data-testid=total-matching]");
        var sources = page.Locator("[data-testid=cell-src]");

        // Filter (with a chip per term), then sort by source descending, then the second page.
        await page.Locator("input[data-testid=conntrack-filter]").FillAsync("proto udp and dport 53");
        await page.Locator("[data-testid=apply-filter]").ClickAsync();
        await Assertions.Expect(total).ToContainTextAsync("60 matching");
        await Assertions.Expect(page.Locator("[data-testid=filter-chip]")).ToHaveCountAsync(2);
        await Assertions.Expect(sources).ToHaveCountAsync(50);
        var sourceSort = page.Locator(".mud-table-sort-label", new() { HasText = "Source" });
        await sourceSort.ClickAsync();
        await Assertions.Expect(sources.First).ToHaveTextAsync("10.77.1.100");
        await sourceSort.ClickAsync();
        await Assertions.Expect(sources.First).ToHaveTextAsync("10.77.1.159");
        await page.Locator("button[aria-label='Next page']").ClickAsync();
        await Assertions.Expect(sources).ToHaveCountAsync(10);
        await Assertions.Expect(sources.First).ToHaveTextAsync("10.77.1.109");

        // Live: a real TCP connection through the gateway shows up without reloading.
        await page.Locator("input[data-testid=conntrack-filter]").FillAsync("proto tcp and dport 80");
        await page.Locator("[data-testid=apply-filter]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=no-flows]")).ToBeVisibleAsync();
        await page.Locator("label:has(input[data-testid=live-toggle])").ClickAsync();
        await Assertions.Expect(page.Locator("input[data-testid=live-toggle]")).ToBeCheckedAsync();
        Assert.True(lab.TcpConnects(lab.Client, NamespaceLab.ServerAddress, 80), "TCP through the lab gateway");
        await Assertions.Expect(sources.First).ToHaveTextAsync(NamespaceLab.ClientAddress);

        // Delete all matching: the confirmation states the count; afterwards the kernel has none of them.
        await page.Locator("input[data-testid=conntrack-filter]").FillAsync("proto udp and dport 53");
        await page.Locator("[data-testid=apply-filter]").ClickAsync();
        await Assertions.Expect(total).ToContainTextAsync("60 matching");
        await page.Locator("[data-testid=delete-matching]").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog).ToContainTextAsync("Delete 60 entries: all entries matching 'proto udp and dport 53'?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete 60" }).ClickAsync();
        await Assertions.Expect(total).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\s*0 matching"));
        var left = lab.Exec(lab.Gateway, "conntrack", "-L", "-p", "udp", "--dport", "53").StandardOutput;
        Assert.Equal("", left.Trim());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "natgw-conntrack.png"), FullPage = true });
        await page.CloseAsync();
    }
}
