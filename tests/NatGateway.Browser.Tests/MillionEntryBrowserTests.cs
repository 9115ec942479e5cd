using System.Diagnostics;
using System.Net;
using Microsoft.Playwright;
using NatGateway.Conntrack;
using NatGateway.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace NatGateway.Browser.Tests;

/// <summary>
/// The Conntrack page with 1,000,000 entries behind it, in Chromium. Opt-in (NATGW_MILLION=1): it raises the global
/// nf_conntrack_max in the initial namespace for the run (restored afterwards) and takes about a minute.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class MillionEntryBrowserTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    private const int Entries = 1_000_000;
    private const string MaxPath = "/proc/sys/net/netfilter/nf_conntrack_max";

    public sealed class MillionFactAttribute : FactAttribute
    {
        public MillionFactAttribute()
        {
            if (ChromiumFixture.SkipReason is { } reason) Skip = reason;
            else if (Environment.GetEnvironmentVariable("NATGW_MILLION") != "1")
                Skip = "opt-in: NATGW_MILLION=1 fills a lab namespace with 1,000,000 entries (raises nf_conntrack_max for the run)";
        }
    }

    [MillionFact]
    public async Task The_conntrack_page_filters_sorts_and_pages_a_million_entries()
    {
        var originalMax = File.ReadAllText(MaxPath).Trim();
        try
        {
            File.WriteAllText(MaxPath, (Entries + 200_000).ToString());
            using var lab = NamespaceLab.Create();
            lab.Exec(lab.Gateway, "nft", "add table inet cttest; add chain inet cttest track { type filter hook forward priority 0; }; " +
                                         "add rule inet cttest track ct state new counter").EnsureSuccess("nft");
            using (var client = lab.RunIn(lab.Gateway, () => new ConntrackClient()))
            {
                var server = NetAddress.Parse(NamespaceLab.ServerAddress);
                var flows = Enumerable.Range(0, Entries).Select(j =>
                {
                    var a = j % 4000;
                    var source = NetAddress.FromIPv4((uint)(10 << 24 | 77 << 16 | (120 + a / 250) << 8 | (1 + a % 250)));
                    return Flow.ForCreate(FlowTuple.Create(IPProtocol.Udp, source, (ushort)(1024 + j / 4000), server, (ushort)(5000 + j % 7)), 3600, mark: (uint)(j % 16));
                });
                Assert.Equal(0, client.CreateMany(flows).Failed);
                Assert.True(client.Count() >= Entries);
            }

            await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
            await using var proxy = new NamespaceTcpProxy(lab.Client, new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));
            var page = await chromium.NewPageAsync(proxy.LocalUri);
            var total = page.Locator("[data-testid=total-matching]");
            var sources = page.Locator("[data-testid=cell-src]");

            var watch = Stopwatch.StartNew();
            await page.GotoAsync("conntrack");
            await page.WaitForInteractiveAsync();
            // The million plus the few real connections of the lab itself (the browser's own, through the proxy).
            await Assertions.Expect(total).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\s*1,000,0\d\d matching"), new() { Timeout = 60_000 });
            output.WriteLine($"first page of 1,000,000 shown after {watch.ElapsedMilliseconds} ms (includes the mirror's first dump)");
            await Assertions.Expect(sources).ToHaveCountAsync(50);

            watch.Restart();
            await page.Locator("input[data-testid=conntrack-filter]").FillAsync("src 10.77.120.0/24 and dport 5003 and mark 3");
            await page.Locator("[data-testid=apply-filter]").ClickAsync();
            var expected = Enumerable.Range(0, Entries).Count(j => j % 4000 < 250 && j % 7 == 3 && j % 16 == 3);
            await Assertions.Expect(total).ToHaveTextAsync(new System.Text.RegularExpressions.Regex($@"^\s*{expected:N0} matching"));
            output.WriteLine($"filtered page after {watch.ElapsedMilliseconds} ms: {await total.InnerTextAsync()}");
            var sourceSort = page.Locator(".mud-table-sort-label", new() { HasText = "Source" });
            await sourceSort.ClickAsync();
            var lowest = Enumerable.Range(0, Entries).Where(j => j % 4000 < 250 && j % 7 == 3 && j % 16 == 3).Min(j => j % 4000);
            await Assertions.Expect(sources.First).ToHaveTextAsync($"10.77.120.{1 + lowest}");
            await page.Locator("button[aria-label='Next page']").ClickAsync();
            await Assertions.Expect(sources).Not.ToHaveCountAsync(0);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "natgw-conntrack-1m.png"), FullPage = true });
            await page.CloseAsync();
        }
        finally
        {
            File.WriteAllText(MaxPath, originalMax);
        }
    }
}
