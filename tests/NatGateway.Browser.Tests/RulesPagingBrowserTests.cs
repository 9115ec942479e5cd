using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Browser.Tests;

/// <summary>
/// The Rules page with a few hundred rules in Chromium (issue 12): pages of 25, search, and a rule moved from page 3 to
/// position 1 showing first. The rules are seeded in one config import.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class RulesPagingBrowserTests(ChromiumFixture chromium)
{
    private const int RuleCount = 300;

    private static string Name(int i) => $"p{i:000}";

    private static async Task SeedAsync(NatgwProcess app)
    {
        var document = JsonNode.Parse(await app.Http.GetStringAsync("api/v1/config/export"))!.AsObject();
        var rules = new JsonArray();
        for (var i = 1; i <= RuleCount; i++)
            rules.Add(JsonNode.Parse($$"""
                {"kind": "dnat", "name": "{{Name(i)}}", "inInterfaces": ["lan0"], "protocol": "udp",
                 "destinationPort": "{{20000 + i}}", "targetAddress": "{{NamespaceLab.ServerAddress}}", "targetPort": "{{20000 + i}}"}
                """));
        document["rules"] = rules;
        using var import = await app.Http.PostAsync("api/v1/config/import", new StringContent(document.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(import.StatusCode == HttpStatusCode.OK, await import.Content.ReadAsStringAsync());
    }

    private static ILocator Row(IPage page, string name) =>
        page.Locator("[data-testid=rules] tbody tr").Filter(new()
        {
            Has = page.Locator("[data-testid=rule-name]", new() { HasTextRegex = new Regex($"^{Regex.Escape(name)}$") }),
        });

    [BrowserFact]
    public async Task Pages_searches_and_moves_a_rule_from_page_three_to_position_one()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        await SeedAsync(app);
        await using var proxy = new NamespaceTcpProxy(lab.Client, new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));
        var page = await chromium.NewPageAsync(proxy.LocalUri);

        await page.GotoAsync("rules");
        await page.WaitForInteractiveAsync();
        var names = page.Locator("[data-testid=rule-name]");
        await Assertions.Expect(names).ToHaveCountAsync(25); // RulesViewModel.DefaultPageSize: a screen's worth
        await Assertions.Expect(names.First).ToHaveTextAsync(Name(1));
        await Assertions.Expect(page.Locator("[data-testid=rule-count]")).ToHaveTextAsync("300 rules");
        await Assertions.Expect(page.Locator("[data-testid=page-info]")).ToHaveTextAsync("Page 1 of 12");

        // Paging.
        await page.Locator("[data-testid=page-next]").ClickAsync();
        await Assertions.Expect(names.First).ToHaveTextAsync(Name(26));
        await Assertions.Expect(page.Locator("[data-testid=page-info]")).ToHaveTextAsync("Page 2 of 12");

        // Search (debounced) by name, then by port; it starts again at page 1.
        await page.Locator("input[data-testid=rule-search]").FillAsync("p27");
        await Assertions.Expect(names).ToHaveTextAsync(Enumerable.Range(270, 10).Select(Name).ToArray());
        await Assertions.Expect(page.Locator("[data-testid=rule-count]")).ToHaveTextAsync("10 of 300 rules match");
        await page.Locator("input[data-testid=rule-search]").FillAsync(":20123");
        await Assertions.Expect(names).ToHaveTextAsync([Name(123)]);
        await page.Locator("input[data-testid=rule-search]").FillAsync("");
        await Assertions.Expect(names).ToHaveCountAsync(25);
        await Assertions.Expect(page.Locator("[data-testid=rule-count]")).ToHaveTextAsync("300 rules");

        // Reorder with paging: from page 3 to position 1.
        await page.Locator("[data-testid=page-next]").ClickAsync();
        await Assertions.Expect(names.First).ToHaveTextAsync(Name(26));
        await page.Locator("[data-testid=page-next]").ClickAsync();
        await Assertions.Expect(names.First).ToHaveTextAsync(Name(51));
        await Row(page, Name(60)).Locator("button[aria-label='move to']").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=move-title]")).ToHaveTextAsync("Move 'p060' (now #60 of 300)");
        await page.Locator("input[data-testid=move-position]").FillAsync("1");
        await page.Locator("button[data-testid=move-to]").ClickAsync();

        await Assertions.Expect(names.First).ToHaveTextAsync(Name(60));
        await Assertions.Expect(names.Nth(1)).ToHaveTextAsync(Name(1));
        await Assertions.Expect(page.Locator("[data-testid=page-info]")).ToHaveTextAsync("Page 1 of 12");
        await Assertions.Expect(page.Locator("[data-testid=rule-position]").First).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("[data-testid=move-panel]")).ToHaveCountAsync(0);
        using (var stored = JsonDocument.Parse(await app.Http.GetStringAsync("api/v1/rules")))
            Assert.Equal(Name(60), stored.RootElement[0].GetProperty("name").GetString());
        await page.CloseAsync();
    }
}
