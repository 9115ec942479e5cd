using NatGateway.Data.Entities;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data;
using NatGateway.Nat;
using NatGateway.Web.Components.Pages;
using NatGateway.Web.Components.Shared;
using Xunit;

namespace NatGateway.Web.Tests;

/// <summary>
/// The draft on the Rules page when the revision in force changes under it (issue 9 findings 1 and 5), Discard changes,
/// and the delete confirmation. Revisions run on a clock the test moves, so confirmation windows end without waiting.
/// </summary>
public sealed class RulesDraftPageTests : PageTestContext
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    protected override void AddPageServices(IServiceCollection services)
    {
        base.AddPageServices(services);
        services.AddSingleton<TimeProvider>(_clock);
    }

    private NatRulesService Rules => Services.GetRequiredService<NatRulesService>();
    private RevisionService Revisions => Services.GetRequiredService<RevisionService>();

    private async Task AddForwardAsync(string name, string port)
    {
        var parsed = NatRuleJson.Parse($$"""
            {"kind": "dnat", "name": "{{name}}", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "{{port}}", "targetAddress": "10.0.0.2", "targetPort": "80"}
            """);
        Assert.True((await Rules.CreateAsync(parsed.Rule!, "test")).Saved);
    }

    private static string[] Names(IRenderedComponent<Rules> page) =>
        page.FindAll("[data-testid=rule-name]").Select(c => c.TextContent).ToArray();

    [Fact]
    public async Task After_an_unconfirmed_rollback_reverts_the_page_shows_the_rules_in_force_and_no_pending_change()
    {
        // Finding 1: 2 rules in force → History → roll back to the revision with 0 rules → not confirmed → reverted.
        await AddForwardAsync("web", "8080");
        await AddForwardAsync("mail", "2525");
        await Revisions.ApplyRulesAsync(null, "web");
        var baseline = (await Revisions.ListAsync()).Single(r => r.Kind == RevisionKind.Baseline);
        var rollback = (await Revisions.RollbackAsync(baseline.Id, "web", null, TimeSpan.FromSeconds(60)))!;
        var banner = Render<ConfirmationBanner>();
        var page = Render<Rules>();
        page.WaitForAssertion(() => Assert.Contains("No rules yet", page.Find("[data-testid=rules]").TextContent));

        _clock.Advance(TimeSpan.FromSeconds(60));
        await Revisions.RevertExpiredAsync(); // what the watchdog does when the window ends

        page.WaitForAssertion(() => Assert.Equal(["web", "mail"], Names(page)));
        Assert.Empty(page.FindAll("[data-testid=pending-bar]"));
        Assert.DoesNotContain("No rules yet", page.Markup);
        var revertedAt = TimeZoneInfo.ConvertTime(_clock.GetUtcNow(), _clock.LocalTimeZone);
        banner.WaitForAssertion(() => Assert.Equal(
            $"Revision {rollback.Id} was not confirmed within 60 s and was reverted at {revertedAt:HH:mm:ss}.",
            Assert.Single(banner.FindAll("[data-testid=revert-notice]")).TextContent.Trim()));
    }

    [Fact]
    public async Task Discard_changes_names_the_count_and_puts_the_rules_in_force_back()
    {
        await AddForwardAsync("web", "8080");
        await Revisions.ApplyRulesAsync(null, "web");
        await AddForwardAsync("mail", "2525");
        await AddForwardAsync("ssh", "2222");
        var dialogs = Render<MudDialogProvider>();
        var page = Render<Rules>();
        page.WaitForAssertion(() => Assert.Equal("2 pending change(s) not yet in the kernel", page.Find("[data-testid=pending-summary]").TextContent));

        page.Find("[data-testid=discard-changes]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Discard 2 pending change(s)?", dialogs.Markup));
        Assert.Equal(["web", "mail", "ssh"], (await Rules.ListAsync()).Select(r => r.Name).ToArray()); // nothing yet
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Discard").Click();

        page.WaitForAssertion(() => Assert.Equal(["web"], Names(page)));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=pending-bar]")));
        Assert.Equal(["web"], (await Rules.ListAsync()).Select(r => r.Name).ToArray());
    }

    [Fact]
    public async Task Deleting_a_rule_says_it_stays_in_the_kernel_only_when_it_is_in_force()
    {
        await AddForwardAsync("web", "8080");
        await Revisions.ApplyRulesAsync(null, "web");
        await AddForwardAsync("draft-only", "2525");
        var dialogs = Render<MudDialogProvider>();
        var page = Render<Rules>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("button[aria-label=delete]").Count));
        // The pending diff and drift arrive after the first render and re-render the rows: find and click in one
        // dispatcher turn, so the click never lands on a handler of the render before.
        page.WaitForAssertion(() => Assert.Equal("1 pending change(s) not yet in the kernel", page.Find("[data-testid=pending-summary]").TextContent));

        await page.InvokeAsync(() => page.FindAll("button[aria-label=delete]")[1].Click());
        dialogs.WaitForAssertion(() => Assert.Contains("Delete 'draft-only'? It was never applied, so the kernel does not change.", dialogs.Markup));
        Assert.DoesNotContain("stays in the kernel", dialogs.Markup);
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();
        dialogs.WaitForAssertion(() => Assert.DoesNotContain("draft-only", dialogs.Markup));

        await page.InvokeAsync(() => page.FindAll("button[aria-label=delete]")[0].Click());
        dialogs.WaitForAssertion(() => Assert.Contains("Delete 'web'? It stays in the kernel until you apply.", dialogs.Markup));
    }

    [Fact]
    public async Task Re_apply_from_the_drift_banner_waits_for_confirmation_like_apply()
    {
        await AddForwardAsync("web", "8080");
        await Revisions.ApplyRulesAsync(null, "web");
        Kernel.RecordingNftables.Batches.Clear();
        var page = Render<Rules>();

        // The recording kernel lists no tables while the revision in force has a rule: drift.
        page.WaitForElement("[data-testid=drift] button").Click();

        page.WaitForAssertion(() => Assert.Single(Kernel.RecordingNftables.Batches));
        // The batch is recorded before the revision commits (the diff is stored first): wait for the pending state.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var pending = await Revisions.PendingAsync();
        while (pending is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
            pending = await Revisions.PendingAsync();
        }
        Assert.NotNull(pending);
        Assert.Equal(RevisionKind.Reapply, (await Revisions.GetAsync(pending.RevisionId))!.Kind);
        Assert.Equal(_clock.GetUtcNow() + Services.GetRequiredService<SafeApplyOptions>().ConfirmWindow, pending.ConfirmBy);
    }
}
