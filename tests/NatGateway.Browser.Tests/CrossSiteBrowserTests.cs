using System.Net;
using Microsoft.Playwright;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Browser.Tests;

/// <summary>
/// The operator is signed in to natgw in one tab; a page from another origin, open in the same browser, tries to change
/// the gateway with what a page can send without natgw's help (simple fetch POSTs, a PUT, a form post). Nothing changes.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class CrossSiteBrowserTests(ChromiumFixture chromium)
{
    [BrowserFact]
    public async Task A_page_on_another_origin_cannot_change_natgw_for_the_signed_in_operator_and_pages_break_no_csp_rule()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        await using var proxy = new NamespaceTcpProxy(lab.Client, new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));
        var natgw = proxy.LocalUri.ToString().TrimEnd('/');
        // Its own context (the fixture's pages own theirs and cannot open a second tab).
        await using var context = await chromium.Browser!.NewContextAsync(new BrowserNewContextOptions { BaseURL = proxy.LocalUri.ToString() });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await page.SignInAsync(TestAccounts.AdminName, TestAccounts.AdminPassword);

        // Every page renders and goes interactive under the Content-Security-Policy without a violation.
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Text.Contains("Refused to", StringComparison.Ordinal))
                lock (violations) violations.Add($"{page.Url}: {message.Text}");
        };
        page.PageError += (_, error) => { lock (violations) violations.Add($"{page.Url}: {error}"); };
        foreach (var path in new[] { "", "rules", "conntrack", "history", "settings", "capacity", "doctor", "doctor/drops" })
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(200, response!.Status);
            Assert.Contains("script-src 'self';", (await response.AllHeadersAsync())["content-security-policy"]);
            await page.WaitForInteractiveAsync();
        }
        lock (violations) Assert.True(violations.Count == 0, string.Join("\n", violations));

        var before = await SnapshotAsync(app, lab);

        // Same host, another port (same-site, so the SameSite=Strict cookie goes along): a real server on loopback, so Chromium
        // sends the page's fetches (a page Playwright's router fulfils has no address, and Private Network Access then blocks its
        // requests to loopback). A foreign site (evil.example) from Playwright's router: its form post still reaches natgw.
        using var sameSite = new HttpListener();
        var sameSitePort = FreeLoopbackPort();
        sameSite.Prefixes.Add($"http://127.0.0.1:{sameSitePort}/");
        sameSite.Start();
        string? servedHtml = null;
        var serving = Task.Run(async () =>
        {
            while (sameSite.IsListening)
            {
                HttpListenerContext request;
                try { request = await sameSite.GetContextAsync(); } catch (Exception) { return; }
                var bytes = System.Text.Encoding.UTF8.GetBytes(servedHtml ?? "");
                request.Response.ContentType = "text/html";
                await request.Response.OutputStream.WriteAsync(bytes);
                request.Response.Close();
            }
        });
        foreach (var attacker in new[] { $"http://127.0.0.1:{sameSitePort}", "http://evil.example" })
        {
            var rule = $$"""{"kind": "dnat", "name": "planted", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "2222", "targetAddress": "{{NamespaceLab.ServerAddress}}", "targetPort": "22"}""";
            var html = $$"""
                <!DOCTYPE html><html><body>
                <form id="f" method="post" action="{{natgw}}/api/v1/rules/apply" enctype="text/plain">
                  <input type="hidden" name='{"comment": "x' value='"}'>
                </form>
                <script>
                  const opts = (method, body, type) => ({ method, body, credentials: 'include', mode: 'no-cors', headers: { 'Content-Type': type } });
                  window.attack = Promise.allSettled([
                    fetch('{{natgw}}/api/v1/rules', opts('POST', JSON.stringify({{rule}}), 'text/plain')),
                    fetch('{{natgw}}/api/v1/rules/apply', opts('POST', '{"comment": "cross-site"}', 'text/plain')),
                    fetch('{{natgw}}/api/v1/rules', { method: 'POST', body: new URLSearchParams({ a: 'b' }), credentials: 'include', mode: 'no-cors' }),
                    fetch('{{natgw}}/api/v1/settings', { method: 'PUT', body: '{"ipv4Forwarding": true}', credentials: 'include', headers: { 'Content-Type': 'application/json' } }),
                  ]).then(r => r.map(x => x.status));
                </script></body></html>
                """;
            servedHtml = html;
            if (attacker.Contains("evil.example")) await context.RouteAsync($"{attacker}/attack.html", route => route.FulfillAsync(new RouteFulfillOptions
            {
                Status = 200, ContentType = "text/html", Body = html,
            }));
            var evil = await context.NewPageAsync();
            await evil.GotoAsync($"{attacker}/attack.html");
            var settled = await evil.EvaluateAsync<string[]>("window.attack");
            Assert.Equal(4, settled.Length);
            // The form post navigates the tab to natgw's answer: the refusal (403), or 401 where the cookie is not sent cross-site.
            var formAnswer = await evil.RunAndWaitForResponseAsync(() => evil.EvaluateAsync("document.getElementById('f').submit()"),
                r => r.Url.StartsWith(natgw, StringComparison.Ordinal));
            Assert.Contains(formAnswer.Status, new[] { 401, 403 });
            await evil.CloseAsync();
        }
        sameSite.Stop();
        await serving;

        Assert.Equal(before, await SnapshotAsync(app, lab));
        // The same-site page's requests carried the cookie and reached natgw's origin check (not only the SameSite rule).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!app.Output.Contains("Refused a cross-site POST /api/v1/rules/apply from") && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Contains("Refused a cross-site POST /api/v1/rules from", app.Output);
        Assert.Contains("Refused a cross-site POST /api/v1/rules/apply from", app.Output);
        // The operator's own tab still works: the refusals were about the origin.
        await page.GotoAsync("rules");
        await page.WaitForInteractiveAsync();
        await page.CloseAsync();
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static async Task<string> SnapshotAsync(NatgwProcess app, NamespaceLab lab) =>
        string.Join("\n", await app.Http.GetStringAsync("api/v1/rules"), await app.Http.GetStringAsync("api/v1/settings"),
            await app.Http.GetStringAsync("api/v1/revisions"), lab.Exec(lab.Gateway, "cat", "/proc/sys/net/ipv4/ip_forward").StandardOutput.Trim());
}
