using System.Net;
using Microsoft.Playwright;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Browser.Tests;

/// <summary>An operator creates a port forward in Chromium, applies it, and watches its counter rise with real traffic.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class RulesBrowserTests(ChromiumFixture chromium)
{
    [BrowserFact]
    public async Task Create_a_port_forward_apply_it_and_see_its_counter_rise()
    {
        using var lab = NamespaceLab.Create();
        lab.StartTcpServer(lab.Server, 80, "nc", ["-k", "-l", "-p", "80"]);
        // A long confirmation window: this test confirms by hand, and a loaded box must not revert the apply first.
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, extraArgs: ["--confirm-window", "300"]);
        lab.Sysctl(lab.Gateway, "net.ipv4.ip_forward", "1");
        await using var proxy = new NamespaceTcpProxy(lab.Client, new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));
        var page = await chromium.NewPageAsync(proxy.LocalUri);

        await page.GotoAsync("rules");
        await page.WaitForInteractiveAsync();
        await page.ClickAddRuleAsync("dnat");

        var editor = await page.OpenDialogAsync();
        await editor.Locator("input[data-testid=field-name]").FillAsync("web");
        await editor.Locator("input[data-testid=field-interfaces]").FillAsync("lan0");
        await editor.Locator("input[data-testid=field-destination-port]").FillAsync("8080");
        await editor.Locator("input[data-testid=field-target-address]").FillAsync(NamespaceLab.ServerAddress);
        await editor.Locator("input[data-testid=field-target-port]").FillAsync("80");
        await page.CloseDialogWithAsync(editor.Locator("button[data-testid=save-rule]"));

        await Assertions.Expect(page.Locator("[data-testid=rule-name]")).ToHaveTextAsync("web");
        await Assertions.Expect(page.Locator("[data-testid=pending-summary]")).ToHaveTextAsync("1 pending change(s) not yet in the kernel");
        await page.Locator("[data-testid=preview]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=ruleset-preview]")).ToContainTextAsync("dnat");
        await page.Locator("input[data-testid=apply-comment]").FillAsync("forward web");
        await page.Locator("button[data-testid=apply-rules]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=pending-bar]")).ToHaveCountAsync(0);

        for (var i = 0; i < 3; i++)
            Assert.True(lab.TcpConnects(lab.Client, NamespaceLab.GatewayLanAddress, 8080), "the applied forward must reach the server");

        await Assertions.Expect(page.Locator("[data-testid=rule-packets]")).Not.ToHaveTextAsync("0");
        // The banner leaves once the server has confirmed; clicking on before that can hit a row that is still moving up.
        await page.Locator("button[data-testid=confirm-button]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=confirm-banner]")).ToHaveCountAsync(0);

        // Edit: move the forward to another public port; reorder: a second rule goes first.
        await page.Locator("button[aria-label=edit]").ClickAsync();
        editor = await page.OpenDialogAsync();
        await Assertions.Expect(editor.Locator("input[data-testid=field-destination-port]")).ToHaveValueAsync("8080");
        await editor.Locator("input[data-testid=field-destination-port]").FillAsync("8088");
        await page.CloseDialogWithAsync(editor.Locator("button[data-testid=save-rule]"));
        await Assertions.Expect(page.Locator("[data-testid=rules]")).ToContainTextAsync("*:8088");
        await page.ClickAddRuleAsync("masquerade");
        editor = await page.OpenDialogAsync();
        await editor.Locator("input[data-testid=field-name]").FillAsync("out");
        await editor.Locator("input[data-testid=field-interfaces]").FillAsync("wan0");
        await page.CloseDialogWithAsync(editor.Locator("button[data-testid=save-rule]"));
        await Assertions.Expect(page.Locator("[data-testid=rule-name]")).ToHaveTextAsync(["web", "out"]);
        await page.Locator("button[aria-label='move up']").Nth(1).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=rule-name]")).ToHaveTextAsync(["out", "web"]);
        await page.Locator("button[data-testid=apply-rules]").ClickAsync();
        await page.Locator("button[data-testid=confirm-button]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=confirm-banner]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=pending-bar]")).ToHaveCountAsync(0);
        Assert.True(lab.TcpConnects(lab.Client, NamespaceLab.GatewayLanAddress, 8088), "the edited forward must work");
        Assert.False(lab.TcpConnects(lab.Client, NamespaceLab.GatewayLanAddress, 8080, timeoutSeconds: 1), "the old port must be gone");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "natgw-rules.png"), FullPage = true });
        await page.CloseAsync();
    }
}
