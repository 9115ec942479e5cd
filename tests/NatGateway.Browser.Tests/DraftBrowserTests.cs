using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Browser.Tests;

/// <summary>The draft survives an unconfirmed rollback (issue 9 finding 1), and the automatic revert is announced (finding 5).</summary>
[Collection(ChromiumCollection.Name)]
public sealed class DraftBrowserTests(ChromiumFixture chromium)
{
    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    private static string Forward(string name, int port) => $$"""
        {"kind": "dnat", "name": "{{name}}", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "{{port}}", "targetAddress": "10.77.2.2", "targetPort": "80"}
        """;

    [BrowserFact]
    public async Task An_unconfirmed_rollback_to_no_rules_reverts_announces_itself_and_the_rules_page_shows_the_rules_in_force()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, extraArgs: ["--confirm-window", "8"]);
        await using var proxy = new NamespaceTcpProxy(lab.Client, new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));
        // 2 rules in force.
        (await app.Http.PostAsync("api/v1/rules", Json(Forward("web", 8080)))).EnsureSuccessStatusCode();
        (await app.Http.PostAsync("api/v1/rules", Json(Forward("mail", 2525)))).EnsureSuccessStatusCode();
        (await app.Http.PostAsync("api/v1/rules/apply", null)).EnsureSuccessStatusCode();

        // Two open pages: the Rules page stays open while History rolls back.
        var rules = await chromium.NewPageAsync(proxy.LocalUri);
        await rules.GotoAsync("rules");
        await rules.WaitForInteractiveAsync();
        await Assertions.Expect(rules.Locator("[data-testid=rule-name]")).ToHaveTextAsync(["web", "mail"]);
        var history = await chromium.NewPageAsync(proxy.LocalUri);
        await history.GotoAsync("history");
        await history.WaitForInteractiveAsync();

        // History → roll back to the revision with 0 rules (the baseline, the last row) → don't confirm.
        var rows = history.Locator("[data-testid=revisions] tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await rows.Nth(1).Locator("button[data-testid=rollback]").ClickAsync();
        var dialog = history.Locator(".mud-dialog");
        await Assertions.Expect(dialog).ToContainTextAsync("0 rules");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Roll back" }).ClickAsync();
        await Assertions.Expect(history.Locator("[data-testid=confirm-banner]")).ToBeVisibleAsync();
        await Assertions.Expect(rules.Locator("[data-testid=rules]")).ToContainTextAsync("No rules yet");
        var rollbackId = (await app.Http.GetFromJsonAsync<JsonElement>("api/v1/revisions/pending")).GetProperty("revisionId").GetInt64();

        // The window ends: both open pages announce the revert once, with the window and the time.
        var notice = new Regex($"^Revision {rollbackId} was not confirmed within 8 s and was reverted at \\d\\d:\\d\\d:\\d\\d\\.$");
        foreach (var page in new[] { history, rules })
        {
            await Assertions.Expect(page.Locator("[data-testid=revert-notice]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            await Assertions.Expect(page.Locator("[data-testid=revert-notice] .mud-alert-message")).ToHaveTextAsync(notice);
            await Assertions.Expect(page.Locator("[data-testid=confirm-banner]")).ToHaveCountAsync(0);
        }

        // The Rules page shows the 2 rules in force and no pending change; the API agrees; the kernel has both rules.
        await Assertions.Expect(rules.Locator("[data-testid=rule-name]")).ToHaveTextAsync(["web", "mail"]);
        await Assertions.Expect(rules.Locator("[data-testid=pending-bar]")).ToHaveCountAsync(0);
        await rules.ReloadAsync();
        await rules.WaitForInteractiveAsync();
        await Assertions.Expect(rules.Locator("[data-testid=rule-name]")).ToHaveTextAsync(["web", "mail"]);
        await Assertions.Expect(rules.Locator("[data-testid=pending-bar]")).ToHaveCountAsync(0);
        Assert.Equal(2, (await app.Http.GetFromJsonAsync<JsonElement>("api/v1/rules")).GetArrayLength());
        Assert.False((await app.Http.GetFromJsonAsync<JsonElement>("api/v1/rules/pending")).GetProperty("hasChanges").GetBoolean());
        var kernel = lab.Exec(lab.Gateway, "nft", "list", "table", "ip", "natgw").StandardOutput;
        Assert.Contains("8080", kernel);
        Assert.Contains("2525", kernel);

        // History lists the automatic revert with that outcome.
        var revert = history.Locator("[data-testid=revisions] tbody tr").Filter(new() { HasText = "auto-revert" });
        await Assertions.Expect(revert).ToHaveCountAsync(1);
        await Assertions.Expect(revert).ToContainTextAsync($"Revision {rollbackId} was not confirmed within 8 s and was reverted at");
        await rules.CloseAsync();
        await history.CloseAsync();
    }
}
