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

    [BrowserFact]
    public async Task With_live_off_a_deleted_row_disappears_at_once_and_the_page_does_not_overflow_at_1280_px()
    {
        using var lab = NamespaceLab.Create();
        lab.Exec(lab.Gateway, "nft", "add table inet cttest; add chain inet cttest track { type filter hook forward priority 0; }; " +
                                     "add rule inet cttest track ct state new counter").EnsureSuccess("nft");
        // Made before natgw listens: these entries send no DESTROY event when deleted.
        for (var i = 100; i < 120; i++)
            lab.Exec(lab.Gateway, "conntrack", "-I", "-p", "udp", "-s", $"10.77.1.{i}", "-d", NamespaceLab.ServerAddress,
                "--sport", (30000 + i).ToString(), "--dport", "53", "-t", "600").EnsureSuccess("conntrack -I");

        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        await using var proxy = new NamespaceTcpProxy(lab.Client, new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));
        var page = await chromium.NewPageAsync(proxy.LocalUri, new BrowserNewPageOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });

        await page.GotoAsync("conntrack");
        await page.WaitForInteractiveAsync();
        var total = page.Locator("[data-testid=total-matching]");
        var sources = page.Locator("[data-testid=cell-src]");
        await page.Locator("input[data-testid=conntrack-filter]").FillAsync("proto udp and dport 53");
        await page.Locator("[data-testid=apply-filter]").ClickAsync();
        await Assertions.Expect(total).ToContainTextAsync("20 matching");
        await Assertions.Expect(sources).ToHaveCountAsync(20);
        Assert.False(await page.Locator("input[data-testid=live-toggle]").IsCheckedAsync());

        // The wide grid and the per-CPU table scroll inside their cards; the page itself does not scroll sideways.
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than the 1,280 px window");
        foreach (var table in new[] { "[data-testid=flows] .mud-table-container", "[data-testid=cpu-stats-scroll]" })
        {
            // Either everything fits, or the card scrolls sideways (nothing is cut off out of reach).
            var fitsOrScrolls = await page.EvaluateAsync<bool>("""
                selector => {
                    const box = document.querySelector(selector);
                    const overflowX = getComputedStyle(box).overflowX;
                    return box.scrollWidth <= box.clientWidth || overflowX === 'auto' || overflowX === 'scroll';
                }
                """, table);
            Assert.True(fitsOrScrolls, $"{table} is cut off without a scrollbar");
        }
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "natgw-conntrack-1280.png"), FullPage = true });

        var victim = (await sources.First.InnerTextAsync()).Trim();
        await page.Locator("[data-testid=flows] tbody label:has(input[type=checkbox])").First.ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=delete-selected]")).ToContainTextAsync("(1)");
        await page.Locator("[data-testid=delete-selected]").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog).ToContainTextAsync("Delete 1 selected conntrack entry?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete 1" }).ClickAsync();

        // Live is off: the page re-queries after its own delete, and the mirror already dropped the entry.
        await Assertions.Expect(total).ToContainTextAsync("19 matching");
        await Assertions.Expect(sources).ToHaveCountAsync(19);
        await Assertions.Expect(page.Locator("[data-testid=cell-src]", new() { HasTextRegex = new System.Text.RegularExpressions.Regex($"^{System.Text.RegularExpressions.Regex.Escape(victim)}$") }))
            .ToHaveCountAsync(0);
        Assert.Empty(lab.Exec(lab.Gateway, "conntrack", "-L", "-s", victim).StandardOutput.Trim());
        await page.CloseAsync();
    }
}
