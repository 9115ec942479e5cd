using System.Net;
using Microsoft.Playwright;
using NatGateway.Data.Entities;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Browser.Tests;

/// <summary>A viewer signed in to the real natgw reads the Rules and Settings pages but has nothing to change with.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class RolesBrowserTests(ChromiumFixture chromium)
{
    [BrowserFact]
    public async Task A_viewer_sees_rules_and_settings_with_every_change_control_disabled()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        await using var proxy = new NamespaceTcpProxy(lab.Client, new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));
        // A rule not yet applied: the viewer sees it and the pending bar, and can apply neither.
        (await app.Http.PostAsync("api/v1/rules", new StringContent("""
            {"kind": "dnat", "name": "web", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "8080", "targetAddress": "10.77.2.2", "targetPort": "80"}
            """, System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        await TestAccounts.CreateUserAsync(app.DatabasePath, "viewer1", Role.Viewer);
        var page = await chromium.NewPageAsync(proxy.LocalUri, signIn: true, user: "viewer1", password: TestAccounts.AdminPassword);

        await page.GotoAsync("rules");
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid=rule-name]")).ToHaveTextAsync(["web"]);
        await Assertions.Expect(page.Locator("[data-testid=pending-summary]")).ToHaveTextAsync("1 pending change(s) not yet in the kernel");
        await Assertions.Expect(page.Locator("[data-testid=role-note]")).ToContainTextAsync("needs the admin role. You are signed in as viewer1 (viewer)");
        await Assertions.Expect(page.Locator("[data-testid=add-rule] button").First).ToBeDisabledAsync();
        // The rule's switch, its selection box and "select all on this page".
        await Assertions.Expect(page.Locator("[data-testid=rules] input[type=checkbox]")).ToHaveCountAsync(3);
        foreach (var box in await page.Locator("[data-testid=rules] input[type=checkbox]").AllAsync())
            await Assertions.Expect(box).ToBeDisabledAsync();
        foreach (var label in new[] { "edit", "delete", "move up", "move down", "move to" })
            await Assertions.Expect(page.Locator($"button[aria-label='{label}']")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("button[data-testid=apply-rules]")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("button[data-testid=discard-changes]")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("input[data-testid=apply-comment]")).ToBeDisabledAsync();
        // Reading is for everyone: the preview opens.
        await page.Locator("[data-testid=preview]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=ruleset-preview]")).ToContainTextAsync("dnat");

        await page.GotoAsync("settings");
        await page.WaitForInteractiveAsync();
        var forwarding = lab.Exec(lab.Gateway, "cat", "/proc/sys/net/ipv4/ip_forward").StandardOutput.Trim() == "1" ? "on" : "off";
        await Assertions.Expect(page.Locator("[data-testid=ipv4-current]")).ToHaveTextAsync(forwarding);
        await Assertions.Expect(page.Locator("[data-testid=rp-interfaces] tr[data-interface=wan0]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=role-note]")).ToContainTextAsync("Changing kernel settings needs the admin role");
        await Assertions.Expect(page.Locator("[data-testid=ipv4-forwarding] input[type=checkbox]")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("[data-testid=ipv6-forwarding] input[type=checkbox]")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("input[data-testid=persist]")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("button[data-testid=apply]")).ToBeDisabledAsync();

        await page.CloseAsync();
    }
}
