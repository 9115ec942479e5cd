using NatGateway.Data.Entities;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using NatGateway.Core.Rules;
using NatGateway.Data;
using NatGateway.Nat;
using NatGateway.Web.Components.Pages;
using NatGateway.Web.Components.Rules;
using Xunit;

namespace NatGateway.Web.Tests;

public sealed class RulesPageTests : PageTestContext
{
    private NatRulesService Service => Services.GetRequiredService<NatRulesService>();

    private async Task<NatRule> AddForwardAsync(string name, string port)
    {
        var parsed = NatRuleJson.Parse($$"""
            {"kind": "dnat", "name": "{{name}}", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "{{port}}", "targetAddress": "10.0.0.2", "targetPort": "80"}
            """);
        var outcome = await Service.CreateAsync(parsed.Rule!, "test");
        Assert.True(outcome.Saved, string.Join("; ", outcome.Issues));
        return outcome.Rule!;
    }

    [Fact]
    public async Task Lists_rules_in_order_with_what_they_do_and_a_pending_bar()
    {
        await AddForwardAsync("web", "8080");
        await AddForwardAsync("mail", "2525");

        var page = Render<Rules>();

        // The rules and the pending changes load one after the other: wait for both.
        page.WaitForAssertion(() =>
        {
            Assert.Equal(["web", "mail"], page.FindAll("[data-testid=rule-name]").Select(c => c.TextContent).ToArray());
            Assert.Contains("dnat tcp in lan0 *:8080 → 10.0.0.2:80", page.Find("[data-testid=rules]").TextContent);
            Assert.Equal("2 pending change(s) not yet in the kernel", page.Find("[data-testid=pending-summary]").TextContent);
        });
    }

    [Fact]
    public async Task Apply_sends_one_batch_for_our_table_and_records_a_revision()
    {
        await AddForwardAsync("web", "8080");
        var page = Render<Rules>();

        page.WaitForElement("[data-testid=apply-rules]").Click();

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=pending-bar]")));
        var batch = Assert.Single(Kernel.RecordingNftables.Batches);
        Assert.Contains("\"natgw\"", batch);
        await using var db = await Services.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>().CreateDbContextAsync();
        var revision = Assert.Single(db.Revisions, r => r.Kind == RevisionKind.Apply);
        Assert.Equal(RevisionState.PendingConfirmation, revision.State); // browser applies are commit-confirmed by default
        Assert.Equal("admin", revision.Author); // the signed-in user (AppTestContext signs in "admin")
        Assert.Contains("added web", (await RevisionDocuments.MaterializeAsync(db, revision)).Diff); // documents are stored by hash
    }

    [Fact]
    public async Task Moving_a_rule_down_changes_the_order()
    {
        await AddForwardAsync("first", "8080");
        await AddForwardAsync("second", "8081");
        var page = Render<Rules>();

        page.WaitForElement("button[aria-label='move down']").Click();

        page.WaitForAssertion(() => Assert.Equal(["second", "first"], page.FindAll("[data-testid=rule-name]").Select(c => c.TextContent).ToArray()));
        Assert.Equal(["second", "first"], (await Service.ListAsync()).Select(r => r.Name).ToArray());
    }

    [Fact]
    public async Task The_editor_shows_the_domain_errors_on_the_fields_and_saves_nothing()
    {
        var provider = Render<MudDialogProvider>();
        var parameters = new DialogParameters<RuleEditorDialog> { { d => d.Form, RuleForm.New(NatRuleKind.Dnat) }, { d => d.IsNew, true } };
        await provider.InvokeAsync(() => Services.GetRequiredService<IDialogService>().ShowAsync<RuleEditorDialog>(null, parameters));

        provider.WaitForElement("input[data-testid=field-name]").Change("bad");
        provider.Find("input[data-testid=field-interfaces]").Change("lan0");
        provider.Find("input[data-testid=field-destination-port]").Change("70000");
        provider.Find("input[data-testid=field-target-address]").Change("10.0.0.300");
        provider.Find("button[data-testid=save-rule]").Click();

        provider.WaitForAssertion(() =>
        {
            Assert.Contains("65535", provider.Markup);
            Assert.Contains("10.0.0.300", provider.Markup);
        });
        Assert.Empty(await Service.ListAsync());
    }

    [Fact]
    public async Task The_editor_saves_a_valid_forward()
    {
        var provider = Render<MudDialogProvider>();
        var parameters = new DialogParameters<RuleEditorDialog> { { d => d.Form, RuleForm.New(NatRuleKind.Dnat) }, { d => d.IsNew, true } };
        IDialogReference? dialog = null;
        await provider.InvokeAsync(async () => dialog = await Services.GetRequiredService<IDialogService>().ShowAsync<RuleEditorDialog>(null, parameters));

        provider.WaitForElement("input[data-testid=field-name]").Change("ssh");
        provider.Find("input[data-testid=field-interfaces]").Change("lan0");
        provider.Find("input[data-testid=field-destination-port]").Change("2222");
        provider.Find("input[data-testid=field-target-address]").Change("10.0.0.5");
        provider.Find("input[data-testid=field-target-port]").Change("22");
        await provider.Find("button[data-testid=save-rule]").ClickAsync(new MouseEventArgs());

        // A save that did not close the dialog fails here instead of hanging the run.
        var result = await dialog!.Result.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(result!.Canceled);
        var saved = Assert.IsType<DnatRule>(Assert.Single(await Service.ListAsync()));
        Assert.Equal(("ssh", 2222, "10.0.0.5"), (saved.Name, saved.DestinationPort.From, saved.TargetAddress.ToString()));
    }
    private async Task<IRenderedComponent<MudDialogProvider>> OpenNewForwardEditorAsync()
    {
        var provider = Render<MudDialogProvider>();
        var parameters = new DialogParameters<RuleEditorDialog> { { d => d.Form, RuleForm.New(NatRuleKind.Dnat) }, { d => d.IsNew, true } };
        await provider.InvokeAsync(() => Services.GetRequiredService<IDialogService>().ShowAsync<RuleEditorDialog>(null, parameters));
        provider.WaitForElement("input[data-testid=field-name]");
        return provider;
    }

    /// <summary>The text MudBlazor shows under one field (its error or helper text).</summary>
    private static string FieldText(IRenderedComponent<MudDialogProvider> provider, string testId) =>
        provider.Find($"input[data-testid={testId}]").Closest(".mud-input-control")!.QuerySelector(".mud-input-helper-text")?.TextContent ?? "";

    [Fact]
    public async Task The_editor_shows_every_error_at_once_at_its_field_in_words_including_the_empty_name()
    {
        var provider = await OpenNewForwardEditorAsync();

        provider.Find("input[data-testid=field-interfaces]").Change("lan0, *");
        provider.Find("input[data-testid=field-destination-port]").Change("70000");
        provider.Find("input[data-testid=field-target-address]").Change("0.0.0.0/0");
        provider.Find("input[data-testid=field-source-cidrs]").Change("10.0.0.0/33");
        provider.Find("button[data-testid=save-rule]").Click();

        provider.WaitForAssertion(() => Assert.Equal("Name is required", FieldText(provider, "field-name")));
        Assert.Equal("Input interface 2: '*' alone would match every interface; give the interface names, or a prefix such as 'eth*'", FieldText(provider, "field-interfaces"));
        Assert.Equal("Destination port: port 70000 is outside 1..65535", FieldText(provider, "field-destination-port"));
        Assert.StartsWith("Target address: '0.0.0.0/0' is a network, not a host", FieldText(provider, "field-target-address"));
        Assert.Equal("Source CIDR 1: '10.0.0.0/33' has an invalid prefix length (0..32)", FieldText(provider, "field-source-cidrs"));
        Assert.DoesNotContain("[0]", provider.Markup);
        Assert.DoesNotContain("[1]", provider.Markup);
        Assert.Empty(await Service.ListAsync());
    }

    [Fact]
    public async Task The_editor_refuses_a_name_already_used_ignoring_case_at_the_name_field_together_with_other_errors()
    {
        await AddForwardAsync("Web", "8080");
        var provider = await OpenNewForwardEditorAsync();

        provider.Find("input[data-testid=field-name]").Change("web");
        provider.Find("input[data-testid=field-interfaces]").Change("lan0");
        provider.Find("input[data-testid=field-destination-port]").Change("8081");
        provider.Find("input[data-testid=field-target-address]").Change("10.0.0.300");
        provider.Find("button[data-testid=save-rule]").Click();

        // A parse error elsewhere does not hide the clash...
        provider.WaitForAssertion(() => Assert.Contains("Name 'web' is already used by another rule ('Web')", FieldText(provider, "field-name")));
        Assert.Equal("Target address: '10.0.0.300' is not an IP address", FieldText(provider, "field-target-address"));

        // ...and with everything else right, the service refuses it at the same field.
        provider.Find("input[data-testid=field-target-address]").Change("10.0.0.3");
        provider.Find("button[data-testid=save-rule]").Click();
        provider.WaitForAssertion(() => Assert.Equal("", FieldText(provider, "field-target-address")));
        Assert.Contains("is already used by another rule ('Web')", FieldText(provider, "field-name"));
        Assert.Equal(["Web"], (await Service.ListAsync()).Select(r => r.Name).ToArray());
    }

    [Fact]
    public async Task The_service_refuses_a_duplicate_name_on_create_and_update_ignoring_case()
    {
        var web = await AddForwardAsync("web", "8080");
        var mail = await AddForwardAsync("mail", "2525");

        var created = await Service.CreateAsync((DnatRule)mail with { Id = Guid.Empty, Name = "WEB", DestinationPort = new PortRange(9999) }, "test");
        Assert.Equal("name", Assert.Single(created.Errors).Field);
        // Renaming the first rule to the name of a rule after it is a clash too.
        var updated = await Service.UpdateAsync(web.Id, web with { Name = "Mail" }, "test");
        Assert.Equal("name", Assert.Single(updated!.Errors).Field);
        // Keeping its own name is not.
        Assert.True((await Service.UpdateAsync(web.Id, web with { Description = "x" }, "test"))!.Saved);
        Assert.Equal(["web", "mail"], (await Service.ListAsync()).Select(r => r.Name).ToArray());
    }

    [Fact]
    public void The_add_rule_menu_closes_when_the_editor_opens()
    {
        var host = Render(b =>
        {
            b.OpenComponent<MudPopoverProvider>(0);
            b.CloseComponent();
            b.OpenComponent<MudDialogProvider>(1);
            b.CloseComponent();
            b.OpenComponent<Rules>(2);
            b.CloseComponent();
        });
        host.WaitForElement("[data-testid=add-rule] button").Click();
        host.WaitForElement("[data-testid=add-dnat]").Click();

        host.WaitForElement("input[data-testid=field-name]");
        host.WaitForAssertion(() => Assert.Empty(host.FindAll("[data-testid=add-dnat]")));
    }
}
