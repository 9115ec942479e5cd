using System.Text;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit;

namespace NatGateway.Browser.Tests;

/// <summary>Checks that hold on every page: axe finds nothing serious, nothing overflows, focus is visible, snackbars stay clear.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class PagesBrowserTests(ChromiumFixture chromium, PagesLabFixture lab) : IClassFixture<PagesLabFixture>
{
    /// <summary>An element each page shows once its data is in (layout measured before that would prove nothing).</summary>
    private static string ReadyMarker(string path) => path switch
    {
        "" => "[data-testid=interfaces] tbody tr",
        "rules" => "[data-testid=rule-name]",
        "conntrack" => "[data-testid=flow-row]", // rows (with their selection boxes) are part of what axe checks
        "history" => "[data-testid=revision-state]",
        "settings" => "[data-testid=rp-interfaces]",
        "capacity" => "[data-testid=recommended-max]",
        "doctor" => "[data-testid=check]", // the monitor's first run, with the expanded problems' evidence and fixes
        "doctor/drops" => "[data-testid=drop-capture]",
        "trace" => "[data-testid=trace-form]",
        _ => ".mud-main-content",
    };

    private async Task<IPage> OpenAsync(string path, int width, List<string>? foreignRequests = null, int height = 900)
    {
        var page = await chromium.NewPageAsync(lab.BaseUri, new BrowserNewPageOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        if (foreignRequests is not null)
        {
            // axe must come from the package, never from a CDN: any request off natgw is recorded and refused.
            await page.RouteAsync("**/*", async route =>
            {
                if (new Uri(route.Request.Url).Authority == lab.BaseUri.Authority) await route.ContinueAsync();
                else { lock (foreignRequests) foreignRequests.Add(route.Request.Url); await route.AbortAsync(); }
            });
        }
        await page.GotoAsync(path);
        await page.WaitForInteractiveAsync();
        await page.Locator(ReadyMarker(path)).First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        return page;
    }

    private static async Task<string> SeriousViolationsAsync(IPage page, string where)
    {
        var result = await page.RunAxe();
        var report = new StringBuilder();
        foreach (var v in result.Violations.Where(v => v.Impact is "serious" or "critical"))
            foreach (var node in v.Nodes)
                report.AppendLine($"{where}: {v.Impact} {v.Id} at {node.Target} ({v.Help})");
        return report.ToString();
    }

    [BrowserFact]
    public async Task Axe_finds_no_serious_or_critical_violation_on_any_page()
    {
        await lab.EnsurePendingChangeAsync();
        var foreign = new List<string>();
        var report = new StringBuilder();
        foreach (var path in PagesLabFixture.Pages)
        {
            var page = await OpenAsync(path, 1280, foreign);
            if (path == "rules")
            {
                // The pending bar (comment box, purge option) and the rule editor dialog are part of the page.
                await Assertions.Expect(page.Locator("[data-testid=pending-bar]")).ToBeVisibleAsync();
                // axe accepts a placeholder as a name; the comment box must have a real label, the switch its rule's name.
                await Assertions.Expect(page.GetByLabel("Comment (optional)", new() { Exact = true })).ToHaveAttributeAsync("data-testid", "apply-comment");
                await Assertions.Expect(page.GetByRole(AriaRole.Switch, new() { Name = "Enable rule web forward to the lab server", Exact = true })).ToHaveCountAsync(1);
                report.Append(await SeriousViolationsAsync(page, "/rules"));
                await page.ClickAddRuleAsync("dnat");
                await page.Locator(".mud-dialog input[data-testid=field-name]").WaitForAsync();
                report.Append(await SeriousViolationsAsync(page, "/rules with the rule editor open"));
            }
            else
            {
                // The drop panel's charts and tables (the fixture's capture) are part of what axe checks.
                if (path.StartsWith("doctor", StringComparison.Ordinal) && lab.HasDropCapture)
                    await page.Locator("[data-testid=drop-summary]").WaitForAsync();
                report.Append(await SeriousViolationsAsync(page, "/" + path));
            }
            await page.CloseAsync();
        }
        Assert.True(report.Length == 0, "axe found serious or critical violations:\n" + report);
        Assert.Empty(foreign);
    }

    /// <summary>
    /// The Trace page against the rules in force (the fixture's applied forward on lan0 tcp 8080 → the lab server:80): a field
    /// error shown at the field, then the static answer naming the forward with its translation and the Matched row, and
    /// axe on the page with the answer shown.
    /// </summary>
    [BrowserFact]
    public async Task Trace_page_answers_statically_with_the_forward_in_force_and_shows_field_errors_at_the_field()
    {
        var page = await OpenAsync("trace", 1280);
        await page.Locator("#trace-iif").FillAsync("lan0");
        await page.Locator("#trace-source").FillAsync(NatGateway.TestSupport.NamespaceLab.ClientAddress);
        await page.Locator("#trace-destination").FillAsync("10.77.1");
        await page.Locator("#trace-dport").FillAsync("8080");
        await page.Locator("button[data-testid=trace-explain]").ClickAsync();
        await Assertions.Expect(page.Locator(".mud-input-control", new() { Has = page.Locator("#trace-destination") }))
            .ToContainTextAsync("'10.77.1' is not an IP address");
        await Assertions.Expect(page.Locator("[data-testid=trace-answer]")).ToHaveCountAsync(0);

        await page.Locator("#trace-destination").FillAsync(NatGateway.TestSupport.NamespaceLab.GatewayLanAddress);
        await page.Locator("button[data-testid=trace-explain]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=trace-summary]"))
            .ToContainTextAsync($"'web forward to the lab server' (dnat): destination becomes {NatGateway.TestSupport.NamespaceLab.ServerAddress}:80");
        await Assertions.Expect(page.Locator("[data-testid=trace-delivery]")).ToHaveAttributeAsync("data-delivery", "Forwarded");
        await Assertions.Expect(page.Locator("[data-testid=trace-steps][data-hook=Prerouting] [data-testid=trace-step][data-outcome=Matched]"))
            .ToContainTextAsync("web forward to the lab server");
        var violations = await SeriousViolationsAsync(page, "/trace with an answer");
        Assert.True(violations.Length == 0, violations);
        await page.CloseAsync();
    }

    [BrowserFact]
    public async Task Keyboard_focus_shows_a_ring_on_links_buttons_switches_and_text_boxes()
    {
        await lab.EnsurePendingChangeAsync();
        var page = await OpenAsync("rules", 1280);
        var missing = new List<string>();
        var seen = new HashSet<string>();
        await TabThroughAsync(page, "/rules", 40, missing, seen);
        await page.CloseAsync();
        // The Doctor page: expansion panels, fix buttons, and the drop panel (the same component /doctor/drops shows)
        // with its seconds box and Capture button.
        var doctor = await OpenAsync("doctor", 1280);
        Assert.True(await TabThroughAsync(doctor, "/doctor", 150, missing, seen, stopAt: "[data-testid=doctor-drops] button[data-testid=drop-capture-start]"),
            "the walk through /doctor never reached the drop panel's Capture button");
        await doctor.CloseAsync();
        Assert.True(missing.Count == 0, "focused without a visible ring:\n" + string.Join('\n', missing));
        // The walk must have reached each kind of control the issue names.
        Assert.Superset(new HashSet<string> { "link", "button", "switch", "textbox" }, seen);
    }

    /// <summary>Tabs through the page from the top <paramref name="presses"/> times, or until the element matching
    /// <paramref name="stopAt"/> has focus (then true); every control that takes focus on the way must show it.</summary>
    private static async Task<bool> TabThroughAsync(IPage page, string where, int presses, List<string> missing, HashSet<string> seen, string? stopAt = null)
    {
        for (var i = 0; i < presses; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focus = await page.EvaluateAsync<string[]>(FocusRingScript);
            if (focus[0] == "body") continue;
            seen.Add(focus[0]);
            if (focus[1] != "ring") missing.Add($"{where}: {focus[0]} {focus[2]}");
            if (stopAt is not null && await page.EvaluateAsync<bool>("s => document.activeElement?.matches(s) ?? false", stopAt)) return true;
        }
        return stopAt is null;
    }

    /// <summary>
    /// [kind, "ring" or "none", description] of the focused element. A visually hidden input (MudBlazor switches
    /// and checkboxes) shows its focus on the nearest visible ancestor, so that is where the ring is looked for.
    /// </summary>
    private const string FocusRingScript = """
        () => {
          const el = document.activeElement;
          if (!el || el === document.body) return ['body', 'none', ''];
          const type = (el.getAttribute('type') || '').toLowerCase();
          const kind = el.tagName === 'A' ? 'link'
            : el.tagName === 'BUTTON' ? 'button'
            : el.tagName === 'INPUT' && type === 'checkbox' ? (el.closest('.mud-switch') ? 'switch' : 'checkbox')
            : el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' ? 'textbox' : el.tagName.toLowerCase();
          // An outline, not a box-shadow: filled buttons and cards carry elevation shadows whether focused or not.
          const rings = e => {
            const s = getComputedStyle(e);
            return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1;
          };
          let e = el;
          for (let depth = 0; e && depth < 4; depth++, e = e.parentElement) {
            const s = getComputedStyle(e);
            const r = e.getBoundingClientRect();
            if (parseFloat(s.opacity) === 0 || r.width < 4 || r.height < 4) continue;
            if (rings(e)) return [kind, 'ring', ''];
            if (kind !== 'switch' && kind !== 'checkbox') break;
          }
          return [kind, 'none', el.outerHTML.slice(0, 160)];
        }
        """;

    /// <summary>Elements whose right edge passes the viewport, for the failure message.</summary>
    private const string OverflowScript = """
        () => {
          const root = document.scrollingElement;
          if (root.scrollWidth <= root.clientWidth) return '';
          const wide = [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
            .slice(0, 8)
            .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} right=${Math.round(e.getBoundingClientRect().right)}`);
          return `scrollWidth ${root.scrollWidth} > clientWidth ${root.clientWidth}: ${wide.join(', ')}`;
        }
        """;

    [BrowserFact]
    public async Task No_page_overflows_at_1280_or_1920_px_and_the_pending_bar_wraps_and_stays_clear_of_snackbars()
    {
        await lab.EnsurePendingChangeAsync();
        var overflow = new StringBuilder();
        foreach (var width in new[] { 1280, 1920 })
            foreach (var path in PagesLabFixture.Pages)
            {
                var page = await OpenAsync(path, width);
                if (await page.EvaluateAsync<string>(OverflowScript) is { Length: > 0 } wide) overflow.AppendLine($"/{path} at {width} px: {wide}");
                await page.CloseAsync();
            }
        Assert.True(overflow.Length == 0, "pages wider than the window:\n" + overflow);

        // The issue's case: 1,400 px, the purge option shown; the bar must wrap with Preview and Apply on screen.
        // The window is short so that the bar sticks to its bottom edge, where the snackbars used to pile up.
        const int height = 360;
        var rules = await OpenAsync("rules", 1400, height: height);
        var bar = rules.Locator("[data-testid=pending-bar]");
        await Assertions.Expect(rules.Locator("[data-testid=apply-purge]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        Assert.Equal("", await rules.EvaluateAsync<string>(OverflowScript));
        foreach (var control in new[] { bar, rules.Locator("[data-testid=preview]"), rules.Locator("button[data-testid=apply-rules]") })
        {
            var box = (await control.BoundingBoxAsync())!;
            Assert.True(box.X >= 0 && box.X + box.Width <= 1400, $"{await control.GetAttributeAsync("data-testid")} spans x {box.X}..{box.X + box.Width} in a 1,400 px window");
        }

        var barBox = (await bar.BoundingBoxAsync())!;
        Assert.True(Math.Abs(barBox.Y + barBox.Height - (height - 8)) <= 2, $"the pending bar must stick to the window's bottom (it ends at {barBox.Y + barBox.Height})");

        // Saving a rule raises one snackbar, and it does not cover the pending bar.
        await rules.ClickAddRuleAsync("masquerade");
        var editor = rules.Locator(".mud-dialog");
        await editor.Locator("input[data-testid=field-name]").FillAsync("out");
        await editor.Locator("input[data-testid=field-interfaces]").FillAsync("wan0");
        await editor.Locator("button[data-testid=save-rule]").ClickAsync();
        await Assertions.Expect(rules.Locator("[data-testid=rule-name]")).ToHaveCountAsync(2);
        var snackbars = rules.Locator(".mud-snackbar");
        await Assertions.Expect(snackbars).ToHaveCountAsync(1);
        await AssertApart(snackbars.First, bar);

        // Apply with the purge option: one event, one snackbar (the purge outcome is part of it).
        await rules.Locator("input[data-testid=apply-purge]").CheckAsync();
        await rules.Locator("button[data-testid=apply-rules]").ClickAsync();
        await Assertions.Expect(snackbars.Filter(new() { HasText = "Applied as revision" })).ToHaveCountAsync(1);
        await Assertions.Expect(snackbars.Filter(new() { HasText = "Applied as revision" })).ToContainTextAsync("Deleted");
        await Assertions.Expect(snackbars.Filter(new() { HasText = "Deleted" })).ToHaveCountAsync(1);
        // …and it leaves the button that keeps the change clickable.
        await AssertApart(snackbars.Filter(new() { HasText = "Applied as revision" }), rules.Locator("button[data-testid=confirm-button]"));
        await rules.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "natgw-rules-1400.png"), FullPage = true });
        await rules.Locator("button[data-testid=confirm-button]").ClickAsync();
        await rules.CloseAsync();
    }

    private static async Task AssertApart(ILocator a, ILocator b)
    {
        var x = (await a.BoundingBoxAsync())!;
        var y = (await b.BoundingBoxAsync())!;
        var overlap = x.X < y.X + y.Width && y.X < x.X + x.Width && x.Y < y.Y + y.Height && y.Y < x.Y + x.Height;
        Assert.False(overlap, $"a snackbar at ({x.X},{x.Y},{x.Width}x{x.Height}) covers {await b.GetAttributeAsync("data-testid")} at ({y.X},{y.Y},{y.Width}x{y.Height})");
    }
}
