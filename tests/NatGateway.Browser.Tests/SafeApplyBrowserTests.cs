using System.Net;
using Microsoft.Playwright;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Browser.Tests;

/// <summary>Commit-confirmed applies, history, diff and rollback, clicked through in Chromium.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class SafeApplyBrowserTests(ChromiumFixture chromium)
{
    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    private static string Forward(string name, int port) => $$"""
        {"kind": "dnat", "name": "{{name}}", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "{{port}}", "targetAddress": "10.77.2.2", "targetPort": "80"}
        """;

    [BrowserFact]
    public async Task Confirm_one_apply_let_the_next_revert_then_diff_and_roll_back_in_history()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, extraArgs: ["--confirm-window", "20"]);
        await using var proxy = new NamespaceTcpProxy(lab.Client, new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));
        var page = await chromium.NewPageAsync(proxy.LocalUri);
        (await app.Http.PostAsync("api/v1/rules", Json(Forward("web", 8080)))).EnsureSuccessStatusCode();

        // 1. Apply with confirmation, watch the countdown, confirm.
        await page.GotoAsync("rules");
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator("input[data-testid=apply-confirm]")).ToBeCheckedAsync();
        await page.Locator("button[data-testid=apply-rules]").ClickAsync();
        var countdown = page.Locator("[data-testid=confirm-countdown]");
        await Assertions.Expect(countdown).ToBeVisibleAsync();
        var first = int.Parse(await countdown.InnerTextAsync());
        await Assertions.Expect(countdown).Not.ToHaveTextAsync(first.ToString()); // waits for the next tick
        Assert.True(int.Parse(await countdown.InnerTextAsync()) < first, "the countdown must tick");
        await page.Locator("button[data-testid=confirm-button]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=confirm-banner]")).ToHaveCountAsync(0);

        // 2. Apply again and do not confirm: the previous revision comes back by itself.
        (await app.Http.PostAsync("api/v1/rules", Json(Forward("mail", 2525)))).EnsureSuccessStatusCode();
        await page.ReloadAsync();
        await page.WaitForInteractiveAsync();
        await page.Locator("button[data-testid=apply-rules]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=confirm-banner]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=confirm-banner]")).ToHaveCountAsync(0, new() { Timeout = 60_000 });
        Assert.DoesNotContain("2525", lab.Exec(lab.Gateway, "nft", "list", "table", "ip", "natgw").StandardOutput);

        // 3. History: the revert is listed; compare two revisions; roll back to the first apply and confirm.
        await page.GotoAsync("history");
        await page.WaitForInteractiveAsync();
        var states = page.Locator("[data-testid=revision-state]");
        await Assertions.Expect(states.Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex(@"^\s*reverted\s*$") })).Not.ToHaveCountAsync(0);
        var rows = page.Locator("[data-testid=revisions] tbody tr");
        // Newest first: the revert, the reverted apply (mail), the confirmed apply (web), the baseline.
        await rows.Nth(1).Locator("input[type=checkbox]").CheckAsync();
        await rows.Nth(2).Locator("input[type=checkbox]").CheckAsync();
        await page.Locator("button[data-testid=compare]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=revision-detail]")).ToContainTextAsync("added mail");

        await rows.Nth(3).Locator("button[data-testid=rollback]").ClickAsync();
        var dialog = await page.OpenDialogAsync();
        await page.CloseDialogWithAsync(dialog.GetByRole(AriaRole.Button, new() { Name = "Roll back" }));
        await Assertions.Expect(page.Locator("[data-testid=confirm-banner]")).ToBeVisibleAsync();
        await page.Locator("button[data-testid=confirm-button]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=confirm-banner]")).ToHaveCountAsync(0);
        Assert.DoesNotContain("8080", lab.Exec(lab.Gateway, "nft", "list", "table", "ip", "natgw").StandardOutput);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "natgw-history.png"), FullPage = true });
        await page.CloseAsync();
    }
}
