using System.Text;
using System.Text.Json;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Browser.Tests;

/// <summary>
/// An operator creates a rule of each kind of issue 14 through the editor in Chromium: 1:1 NAT with a conntrack timeout
/// policy, NPTv6 (whose editor says it is stateful), a redirect and a load-balanced forward with three backends and
/// source hashing; axe checks the editor of each and the list. The rules are checked in the draft through the REST API.
/// A second test applies a redirect made in the editor through the pending bar and sees it in force with real traffic.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class RuleKindsBrowserTests(ChromiumFixture chromium)
{
    private static async Task<string> SeriousViolationsAsync(IPage page, string where)
    {
        // The "Saved ..." snackbar of the step before fades in: axe measures it at part opacity and reports its contrast.
        // Its final colours are the theme's (WCAG AA, NatGatewayTheme); what is checked here is the editor and the list.
        var result = await page.RunAxe(new AxeRunContext { Exclude = [new AxeSelector(".mud-snackbar")] });
        var report = new StringBuilder();
        foreach (var v in result.Violations.Where(v => v.Impact is "serious" or "critical"))
            foreach (var node in v.Nodes)
                report.AppendLine($"{where}: {v.Impact} {v.Id} at {node.Target} ({v.Help})");
        return report.ToString();
    }

    private static async Task<ILocator> OpenEditorAsync(IPage page, string kind)
    {
        await page.ClickAddRuleAsync(kind);
        return await page.OpenDialogAsync();
    }

    [BrowserFact]
    public async Task Create_each_new_kind_through_the_editor_and_find_it_in_the_draft()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        await using var proxy = new NamespaceTcpProxy(lab.Client, new System.Net.IPEndPoint(System.Net.IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));
        var page = await chromium.NewPageAsync(proxy.LocalUri);
        var axe = new StringBuilder();

        await page.GotoAsync("rules");
        await page.WaitForInteractiveAsync();

        // 1:1 NAT with a timeout policy.
        var editor = await OpenEditorAsync(page, "one-to-one");
        await editor.Locator("input[data-testid=field-name]").FillAsync("office map");
        await editor.Locator("input[data-testid=field-interfaces]").FillAsync("wan0");
        await editor.Locator("input[data-testid=field-inside-prefix]").FillAsync("10.0.0.0/30");
        await editor.Locator("input[data-testid=field-outside-prefix]").FillAsync("192.0.2.0/30");
        await editor.Locator("input[data-testid=field-timeout-tcp-established]").FillAsync("600");
        axe.Append(await SeriousViolationsAsync(page, "1:1 NAT editor"));
        await page.CloseDialogWithAsync(editor.Locator("button[data-testid=save-rule]"));
        await Assertions.Expect(page.Locator("[data-testid=rule-name]")).ToHaveTextAsync(["office map"]);

        // NPTv6: the editor says plainly what it is and is not. An outside prefix of another length is refused at its field.
        editor = await OpenEditorAsync(page, "nptv6");
        await Assertions.Expect(editor.Locator("[data-testid=nptv6-stateful]")).ToContainTextAsync("not the stateless, checksum-neutral translation of RFC 6296");
        await Assertions.Expect(editor.Locator("[data-testid=nptv6-stateful]")).ToContainTextAsync("SNPT/DNPT is out of scope");
        await editor.Locator("input[data-testid=field-name]").FillAsync("v6 prefix");
        await editor.Locator("input[data-testid=field-interfaces]").FillAsync("wan0");
        await editor.Locator("input[data-testid=field-inside-prefix]").FillAsync("fd00:1::/64");
        await editor.Locator("input[data-testid=field-outside-prefix]").FillAsync("2001:db8:1::/6x");
        await editor.Locator("button[data-testid=save-rule]").ClickAsync();
        await Assertions.Expect(editor.Locator(".mud-input-control", new() { Has = page.Locator("input[data-testid=field-outside-prefix]") }))
            .ToContainTextAsync("2001:db8:1::/6x");
        axe.Append(await SeriousViolationsAsync(page, "NPTv6 editor with a field error"));
        await editor.Locator("input[data-testid=field-outside-prefix]").FillAsync("2001:db8:1::/64");
        await page.CloseDialogWithAsync(editor.Locator("button[data-testid=save-rule]"));

        // Redirect to a local port.
        editor = await OpenEditorAsync(page, "redirect");
        await editor.Locator("input[data-testid=field-name]").FillAsync("web proxy");
        await editor.Locator("input[data-testid=field-interfaces]").FillAsync("lan0");
        await editor.Locator("input[data-testid=field-destination-port]").FillAsync("80");
        await editor.Locator("input[data-testid=field-target-port]").FillAsync("3128");
        await page.CloseDialogWithAsync(editor.Locator("button[data-testid=save-rule]"));

        // Load-balanced forward: a third backend row, weights, source hashing, a UDP timeout.
        editor = await OpenEditorAsync(page, "load-balance");
        await editor.Locator("input[data-testid=field-name]").FillAsync("pool");
        await editor.Locator("input[data-testid=field-interfaces]").FillAsync("wan0");
        await editor.Locator("input[data-testid=field-destination-port]").FillAsync("8080");
        // A UDP timeout needs a rule that translates UDP: the validator refuses it on a TCP-only forward (it would never apply).
        await editor.Locator("[data-testid=field-protocol]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = "tcp and udp" }).ClickAsync();
        await Assertions.Expect(editor.Locator("[data-testid=field-protocol]")).ToContainTextAsync("tcp and udp");
        await editor.Locator("button[data-testid=add-backend]").ClickAsync();
        await Assertions.Expect(editor.Locator("[data-testid=backend-row]")).ToHaveCountAsync(3);
        string[] backends = ["10.0.0.2", "10.0.0.3", "10.0.0.4"];
        for (var i = 0; i < backends.Length; i++)
        {
            await editor.Locator("input[data-testid=backend-address]").Nth(i).FillAsync(backends[i]);
            await editor.Locator("input[data-testid=backend-port]").Nth(i).FillAsync("80");
        }
        await editor.Locator("input[data-testid=backend-weight]").Nth(2).FillAsync("2");
        await editor.Locator("[data-testid=field-method]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = "source hash" }).ClickAsync();
        await Assertions.Expect(editor.Locator("[data-testid=field-method]")).ToContainTextAsync("source hash (a client always reaches the same backend)");
        await editor.Locator("input[data-testid=field-timeout-udp-replied]").FillAsync("30");
        axe.Append(await SeriousViolationsAsync(page, "load-balance editor"));
        await page.CloseDialogWithAsync(editor.Locator("button[data-testid=save-rule]"));

        await Assertions.Expect(page.Locator("[data-testid=rule-name]")).ToHaveTextAsync(["office map", "v6 prefix", "web proxy", "pool"]);
        await Assertions.Expect(page.Locator("[data-testid=rule-kind-chip]")).ToHaveTextAsync(["one-to-one", "nptv6", "redirect", "load-balance"]);
        await Assertions.Expect(page.Locator("[data-testid=rule-backend]")).ToHaveTextAsync(
            ["→ 10.0.0.2:80 weight 1 (25%), source-hash", "→ 10.0.0.3:80 weight 1 (25%)", "→ 10.0.0.4:80 weight 2 (50%)"]);
        await Assertions.Expect(page.Locator("[data-testid=pending-summary]")).ToHaveTextAsync("4 pending change(s) not yet in the kernel");
        axe.Append(await SeriousViolationsAsync(page, "/rules with the new kinds"));

        // The kind filter offers the new kinds.
        await page.Locator("[data-testid=rule-kind]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = "Load-balanced forward" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=rule-name]")).ToHaveTextAsync(["pool"]);

        // The draft, as the API shows it.
        using var doc = JsonDocument.Parse(await app.Http.GetStringAsync("api/v1/rules"));
        var rules = doc.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(["one-to-one", "nptv6", "redirect", "load-balance"],
            new[] { "office map", "v6 prefix", "web proxy", "pool" }.Select(n => rules[n].GetProperty("kind").GetString() ?? "").ToArray());
        Assert.Equal(("192.0.2.0/30", 600), (rules["office map"].GetProperty("outsidePrefix").GetString(), rules["office map"].GetProperty("timeouts").GetProperty("tcpEstablished").GetInt32()));
        Assert.Equal(("ipv6", "2001:db8:1::/64"), (rules["v6 prefix"].GetProperty("family").GetString(), rules["v6 prefix"].GetProperty("outsidePrefix").GetString()));
        Assert.Equal("3128", rules["web proxy"].GetProperty("targetPort").GetString());
        var pool = rules["pool"];
        Assert.Equal(("source-hash", "both"), (pool.GetProperty("method").GetString(), pool.GetProperty("protocol").GetString()));
        Assert.Equal(30, pool.GetProperty("timeouts").GetProperty("udpReplied").GetInt32());
        Assert.Equal(["10.0.0.2:80*1", "10.0.0.3:80*1", "10.0.0.4:80*2"], pool.GetProperty("backends").EnumerateArray()
            .Select(b => $"{b.GetProperty("address").GetString()}:{b.GetProperty("port").GetInt32()}*{b.GetProperty("weight").GetInt32()}").ToArray());

        Assert.True(axe.Length == 0, "axe found serious or critical violations:\n" + axe);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "natgw-rule-kinds.png"), FullPage = true });
        await page.CloseAsync();
    }

    [BrowserFact]
    public async Task Apply_a_redirect_made_in_the_editor_and_reach_the_local_listener_through_it()
    {
        using var lab = NamespaceLab.Create();
        // The redirect's target: a listener on the gateway itself, on a port nothing else sends to.
        lab.StartTcpServer(lab.Gateway, 3128, "nc", ["-k", "-l", "-p", "3128"]);
        // A long confirmation window: this test confirms by hand, and a loaded box must not revert the apply first.
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, extraArgs: ["--confirm-window", "300"]);
        await using var proxy = new NamespaceTcpProxy(lab.Client, new System.Net.IPEndPoint(System.Net.IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));
        var page = await chromium.NewPageAsync(proxy.LocalUri);
        Assert.True(lab.TcpConnects(lab.Client, NamespaceLab.GatewayLanAddress, 3128), "the listener must be up before the rule is judged");
        Assert.False(lab.TcpConnects(lab.Client, NamespaceLab.GatewayLanAddress, 8080, timeoutSeconds: 1), "nothing may answer on 8080 before the redirect");

        await page.GotoAsync("rules");
        await page.WaitForInteractiveAsync();
        var editor = await OpenEditorAsync(page, "redirect");
        await editor.Locator("input[data-testid=field-name]").FillAsync("local proxy");
        await editor.Locator("input[data-testid=field-interfaces]").FillAsync("lan0");
        await editor.Locator("input[data-testid=field-destination-port]").FillAsync("8080");
        await editor.Locator("input[data-testid=field-target-port]").FillAsync("3128");
        await page.CloseDialogWithAsync(editor.Locator("button[data-testid=save-rule]"));
        await Assertions.Expect(page.Locator("[data-testid=rule-kind-chip]")).ToHaveTextAsync(["redirect"]);
        await Assertions.Expect(page.Locator("[data-testid=pending-summary]")).ToHaveTextAsync("1 pending change(s) not yet in the kernel");

        await page.Locator("input[data-testid=apply-comment]").FillAsync("redirect to the local proxy");
        await page.Locator("button[data-testid=apply-rules]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=pending-bar]")).ToHaveCountAsync(0);

        // In force: the client's connections to port 8080 of the gateway reach the listener on 3128, and the rule counts them.
        for (var i = 0; i < 3; i++)
            Assert.True(lab.TcpConnects(lab.Client, NamespaceLab.GatewayLanAddress, 8080), "the applied redirect must reach the local listener");
        await Assertions.Expect(page.Locator("[data-testid=rule-packets]")).Not.ToHaveTextAsync("0");
        await page.Locator("button[data-testid=confirm-button]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=confirm-banner]")).ToHaveCountAsync(0);

        // The API agrees: the kernel's table holds the redirect, and the rule in force has counted packets.
        using var ruleset = JsonDocument.Parse(await app.Http.GetStringAsync("api/v1/ruleset"));
        Assert.Contains("redirect", ruleset.RootElement.GetProperty("kernel").ToString());
        // Counters come from a kernel read shared for a few seconds (RuleCountersCache): wait for one that has the traffic.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string last;
        while (true)
        {
            last = await app.Http.GetStringAsync("api/v1/rules");
            using var rules = JsonDocument.Parse(last);
            var rule = Assert.Single(rules.RootElement.EnumerateArray().ToList());
            Assert.Equal(("redirect", "3128"), (rule.GetProperty("kind").GetString(), rule.GetProperty("targetPort").GetString()));
            if (rule.GetProperty("packets").GetInt64() > 0) break;
            Assert.True(DateTime.UtcNow < deadline, $"the redirect counted no packets through the API: {last}");
            await Task.Delay(250);
        }
        await page.CloseAsync();
    }
}
