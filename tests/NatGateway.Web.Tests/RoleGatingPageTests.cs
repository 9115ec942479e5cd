using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using NatGateway.Core.Access;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Data;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Web.Components.Pages;
using NatGateway.Web.Components.Rules;
using NatGateway.Web.Components.Shared;
using Xunit;

namespace NatGateway.Web.Tests;

/// <summary>
/// What each role sees on Rules, Settings, History and the confirmation banner, and that a handler reached past a
/// disabled control (as a tampered circuit could) changes nothing, says why, and is recorded as a denial.
/// </summary>
public sealed class RoleGatingPageTests : PageTestContext
{
    protected override void AddPageServices(IServiceCollection services)
    {
        base.AddPageServices(services);
        services.AddSingleton(sp => new AuditLog(sp.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>(), TimeProvider.System,
            NullLogger<AuditLog>.Instance));
        // The History page reads its start-up report; never started here.
        services.AddSingleton(sp => new ConfirmationWatchdog(sp.GetRequiredService<RevisionService>(), TimeProvider.System,
            NullLogger<ConfirmationWatchdog>.Instance));
    }

    private NatRulesService Rules => Services.GetRequiredService<NatRulesService>();
    private RevisionService Revisions => Services.GetRequiredService<RevisionService>();

    private async Task<NatRule> AddForwardAsync(string name, string port)
    {
        var parsed = NatRuleJson.Parse($$"""
            {"kind": "dnat", "name": "{{name}}", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "{{port}}", "targetAddress": "10.0.0.2", "targetPort": "80"}
            """);
        var outcome = await Rules.CreateAsync(parsed.Rule!, "test");
        Assert.True(outcome.Saved, string.Join("; ", outcome.Issues));
        return outcome.Rule!;
    }

    private IEnumerable<string> Snackbars() => Services.GetRequiredService<ISnackbar>().ShownSnackbars.Select(s => s.Message ?? "");

    private async Task<List<AuditEntry>> DenialsAsync()
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>().CreateDbContextAsync();
        return await db.AuditLog.Where(e => e.Result == AuditResult.Denied).ToListAsync();
    }

    private async Task<List<Revision>> RevisionRowsAsync()
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>().CreateDbContextAsync();
        return await db.Revisions.OrderBy(r => r.Id).ToListAsync();
    }

    private static bool Disabled(AngleSharp.Dom.IElement e) => e.HasAttribute("disabled");

    [Theory]
    [InlineData(Role.Viewer)]
    [InlineData(Role.Operator)]
    public async Task Rules_below_admin_shows_the_rules_with_every_change_control_disabled_and_says_which_role_is_needed(Role role)
    {
        await AddForwardAsync("web", "8080");
        await AddForwardAsync("mail", "2525");
        SignIn("someone", role);

        var page = Render<Rules>();

        page.WaitForAssertion(() =>
        {
            Assert.Equal(["web", "mail"], page.FindAll("[data-testid=rule-name]").Select(c => c.TextContent).ToArray());
            Assert.NotNull(page.Find("[data-testid=pending-bar]"));
        });
        Assert.True(Disabled(page.Find("[data-testid=add-rule] button")));
        Assert.All(page.FindAll("[data-testid=rules] input[type=checkbox]"), s => Assert.True(Disabled(s)));
        foreach (var label in new[] { "move up", "move down", "edit", "delete" })
            Assert.All(page.FindAll($"button[aria-label='{label}']"), b => Assert.True(Disabled(b), label));
        Assert.True(Disabled(page.Find("button[data-testid=apply-rules]")));
        Assert.True(Disabled(page.Find("button[data-testid=discard-changes]")));
        Assert.Equal("Needs the admin role", page.Find("button[data-testid=apply-rules]").GetAttribute("title"));
        Assert.False(Disabled(page.Find("button[data-testid=preview]"))); // reading the preview is for everyone
        Assert.Contains($"needs the admin role. You are signed in as someone ({role.Name()})", page.Find("[data-testid=role-note]").TextContent);
    }

    [Fact]
    public async Task Rules_as_an_admin_every_control_is_enabled_and_there_is_no_note()
    {
        await AddForwardAsync("web", "8080");
        await AddForwardAsync("mail", "2525");

        var page = Render<Rules>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=rule-name]").Count));
        Assert.False(Disabled(page.Find("[data-testid=add-rule] button")));
        Assert.All(page.FindAll("[data-testid=rules] input[type=checkbox]"), s => Assert.False(Disabled(s)));
        Assert.All(page.FindAll("button[aria-label='edit'], button[aria-label='delete']"), b => Assert.False(Disabled(b)));
        Assert.False(Disabled(page.Find("button[aria-label='move down']")));
        page.WaitForAssertion(() => Assert.False(Disabled(page.Find("button[data-testid=apply-rules]"))));
        Assert.Null(page.Find("button[data-testid=apply-rules]").GetAttribute("title"));
        Assert.Empty(page.FindAll("[data-testid=role-note]"));
    }

    [Fact]
    public async Task Rules_handlers_reached_by_a_viewer_change_nothing_and_say_why()
    {
        var web = await AddForwardAsync("web", "8080");
        await AddForwardAsync("mail", "2525");
        SignIn("viewer1", Role.Viewer);
        var page = Render<Rules>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=rule-name]").Count));

        // The handlers the disabled controls would call, invoked directly as a tampered circuit could.
        await page.InvokeAsync(() => page.Instance.ApplyAsync("sneaky"));
        await page.InvokeAsync(() => page.Instance.DeleteAsync(web));
        await page.InvokeAsync(() => page.Instance.ToggleAsync(web, false));
        await page.InvokeAsync(() => page.Instance.MoveAsync(web, 1));
        await page.InvokeAsync(() => page.Instance.DiscardAsync());
        await page.InvokeAsync(() => page.Instance.ReapplyAsync());

        Assert.Empty(Kernel.RecordingNftables.Batches);
        Assert.Empty(await RevisionRowsAsync());
        var rules = await Rules.ListAsync();
        Assert.Equal(["web", "mail"], rules.Select(r => r.Name).ToArray());
        Assert.True(rules[0].Enabled);
        Assert.True((await Rules.GetPendingAsync(withRuleset: false)).HasChanges); // the draft was not discarded
        Assert.Contains("Refused: applying rules needs the admin role; viewer1 has the viewer role.", Snackbars());
        Assert.Contains("Refused: deleting a rule needs the admin role; viewer1 has the viewer role.", Snackbars());
        var denials = await DenialsAsync();
        Assert.Equal(6, denials.Count);
        Assert.All(denials, d => Assert.Equal("viewer1", d.Actor));
        Assert.Contains(denials, d => d.Action == "ui applying rules" && d.Detail == "needs admin");
    }

    [Fact]
    public async Task A_revision_applied_from_the_rules_page_names_the_signed_in_user()
    {
        await AddForwardAsync("web", "8080");
        SignIn("alice", Role.Admin);
        var page = Render<Rules>();

        page.WaitForElement("[data-testid=apply-rules]").Click();

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=pending-bar]")));
        var revision = Assert.Single(await RevisionRowsAsync(), r => r.Kind == RevisionKind.Apply);
        Assert.Equal("alice", revision.Author);
    }

    private async Task<IRenderedComponent<MudDialogProvider>> OpenNewForwardEditorAsync()
    {
        var provider = Render<MudDialogProvider>();
        var parameters = new DialogParameters<RuleEditorDialog> { { d => d.Form, RuleForm.New(NatRuleKind.Dnat) }, { d => d.IsNew, true } };
        await provider.InvokeAsync(() => Services.GetRequiredService<IDialogService>().ShowAsync<RuleEditorDialog>(null, parameters));
        provider.WaitForElement("input[data-testid=field-name]");
        provider.Find("input[data-testid=field-name]").Change("web");
        provider.Find("input[data-testid=field-interfaces]").Change("lan0");
        provider.Find("input[data-testid=field-destination-port]").Change("8080");
        provider.Find("input[data-testid=field-target-address]").Change("10.0.0.2");
        return provider;
    }

    [Fact]
    public async Task A_rule_saved_in_the_editor_names_the_signed_in_user()
    {
        SignIn("alice", Role.Admin);
        var provider = await OpenNewForwardEditorAsync();

        provider.Find("button[data-testid=save-rule]").Click();

        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll("[data-testid=rule-editor]")));
        var rule = Assert.Single(await Rules.ListAsync());
        Assert.Equal(("alice", "alice"), (rule.CreatedBy, rule.UpdatedBy));
    }

    [Fact]
    public async Task The_editor_refuses_to_save_for_a_user_who_lost_the_admin_role_while_it_was_open()
    {
        var provider = await OpenNewForwardEditorAsync();
        SignIn("admin", Role.Operator);
        provider.WaitForAssertion(() => Assert.True(Disabled(provider.Find("button[data-testid=save-rule]"))));

        await provider.InvokeAsync(() => provider.FindComponent<RuleEditorDialog>().Instance.SaveAsync());

        Assert.Empty(await Rules.ListAsync());
        Assert.NotEmpty(provider.FindAll("[data-testid=rule-editor]"));
        Assert.Contains("Refused: saving a rule needs the admin role; admin has the operator role.", Snackbars());
    }

    [Fact]
    public void Settings_as_a_viewer_shows_the_values_with_every_input_disabled()
    {
        Kernel.Memory.Values["net.ipv4.ip_forward"] = "1";
        SignIn("viewer1", Role.Viewer);

        var page = Render<Settings>();

        page.WaitForAssertion(() => Assert.Equal("on", page.Find("[data-testid=ipv4-current]").TextContent));
        Assert.NotNull(page.Find("tr[data-interface=lan0]"));
        Assert.All(page.FindComponents<MudSwitch<bool>>(), s => Assert.True(s.Instance.Disabled));
        Assert.All(page.FindComponents<MudSelect<int>>(), s => Assert.True(s.Instance.Disabled));
        Assert.All(page.FindComponents<MudCheckBox<bool>>(), c => Assert.True(c.Instance.Disabled));
        Assert.True(Disabled(page.Find("button[data-testid=apply]")));
        Assert.Contains("Changing kernel settings needs the admin role", page.Find("[data-testid=role-note]").TextContent);
    }

    [Fact]
    public async Task Settings_apply_reached_by_an_operator_writes_nothing_and_says_why()
    {
        SignIn("op1", Role.Operator);
        var page = Render<Settings>();
        var toggle = page.FindComponents<MudSwitch<bool>>().First(s => s.Instance.Label!.StartsWith("IPv4", StringComparison.Ordinal));
        await page.InvokeAsync(() => toggle.Instance.ValueChanged.InvokeAsync(true));
        Assert.Equal("1 pending change(s)", page.Find("[data-testid=pending-count]").TextContent);

        await page.InvokeAsync(() => page.Instance.ApplyAsync());

        Assert.Empty(Kernel.Memory.Writes);
        Assert.Equal("0", Kernel.Memory.Values["net.ipv4.ip_forward"]);
        Assert.Empty(await RevisionRowsAsync());
        Assert.Contains("Refused: changing kernel settings needs the admin role; op1 has the operator role.", Snackbars());
    }

    [Fact]
    public async Task Settings_applied_by_an_admin_are_recorded_under_their_name()
    {
        SignIn("alice", Role.Admin);
        var page = Render<Settings>();
        var toggle = page.FindComponents<MudSwitch<bool>>().First(s => s.Instance.Label!.StartsWith("IPv4", StringComparison.Ordinal));
        Assert.False(toggle.Instance.Disabled);
        await page.InvokeAsync(() => toggle.Instance.ValueChanged.InvokeAsync(true));

        page.Find("button[data-testid=apply]").Click();

        page.WaitForAssertion(() => Assert.Equal("on", page.Find("[data-testid=ipv4-current]").TextContent));
        await using var db = await Services.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>().CreateDbContextAsync();
        Assert.Equal("alice", Assert.Single(db.SettingChanges).ChangedBy);
        Assert.Equal("alice", db.Revisions.OrderBy(r => r.Id).Last().Author);
    }

    [Theory]
    [InlineData(Role.Viewer, true)]
    [InlineData(Role.Operator, true)]
    [InlineData(Role.Admin, false)]
    public async Task History_rollback_is_for_admins_only(Role role, bool disabled)
    {
        await AddForwardAsync("web", "8080");
        await Revisions.ApplyRulesAsync(null, "seed");
        SignIn("someone", role);

        var page = Render<History>();

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("button[data-testid=rollback]")));
        Assert.All(page.FindAll("button[data-testid=rollback]"), b => Assert.Equal(disabled, Disabled(b)));
        Assert.False(Disabled(page.FindAll("button").First(b => b.TextContent.Trim() == "View")));
    }

    [Fact]
    public async Task History_rollback_reached_by_a_viewer_applies_nothing()
    {
        await AddForwardAsync("web", "8080");
        await Revisions.ApplyRulesAsync(null, "seed");
        var batches = Kernel.RecordingNftables.Batches.Count;
        SignIn("viewer1", Role.Viewer);
        var page = Render<History>();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=revision-id]")));
        var before = (await RevisionRowsAsync()).Count;

        var revision = (await Revisions.ListAsync())[0];
        await page.InvokeAsync(() => page.Instance.RollbackAsync(revision));

        Assert.Equal(before, (await RevisionRowsAsync()).Count);
        Assert.Equal(batches, Kernel.RecordingNftables.Batches.Count);
        Assert.Contains("Refused: rolling back needs the admin role; viewer1 has the viewer role.", Snackbars());
    }

    [Fact]
    public async Task The_confirmation_banner_lets_an_operator_confirm_and_records_their_name()
    {
        await AddForwardAsync("web", "8080");
        var pending = await Revisions.ApplyRulesAsync(null, "alice", TimeSpan.FromMinutes(5));
        SignIn("op1", Role.Operator);

        var banner = Render<ConfirmationBanner>();

        banner.WaitForAssertion(() => Assert.False(Disabled(banner.Find("button[data-testid=confirm-button]"))));
        Assert.Empty(banner.FindAll("[data-testid=confirm-needs-role]"));
        banner.Find("button[data-testid=confirm-button]").Click();

        banner.WaitForAssertion(() => Assert.Empty(banner.FindAll("[data-testid=confirm-banner]")));
        Assert.Null(await Revisions.PendingAsync());
        Assert.Contains(Snackbars(), m => m == $"Revision {pending.Id} confirmed.");
    }

    [Fact]
    public async Task The_confirmation_banner_shows_a_viewer_the_countdown_but_its_confirm_is_refused()
    {
        await AddForwardAsync("web", "8080");
        var pending = await Revisions.ApplyRulesAsync(null, "alice", TimeSpan.FromMinutes(5));
        SignIn("viewer1", Role.Viewer);

        var banner = Render<ConfirmationBanner>();

        banner.WaitForAssertion(() => Assert.Contains($"Revision {pending.Id} is applied but not confirmed", banner.Find("[data-testid=confirm-banner]").TextContent));
        Assert.True(Disabled(banner.Find("button[data-testid=confirm-button]")));
        Assert.Equal("Confirming needs the operator role.", banner.Find("[data-testid=confirm-needs-role]").TextContent);

        await banner.InvokeAsync(() => banner.Instance.ConfirmAsync());

        Assert.Equal(pending.Id, (await Revisions.PendingAsync())?.RevisionId);
        Assert.Contains("Refused: confirming a change needs the operator role; viewer1 has the viewer role.", Snackbars());
    }
}
