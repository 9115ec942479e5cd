using System.Net;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using NatGateway.Core.Rules;
using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.Web.Components.Pages;
using NatGateway.Web.Components.Rules;
using Xunit;

namespace NatGateway.Web.Tests;

/// <summary>
/// The editor and the Rules page for the kinds of issue 14 (1:1 NAT, NPTv6, redirect, load-balanced forward) and the
/// per-rule conntrack timeouts. Field errors come from the domain parser (and the shared validator once it checks these
/// kinds); the page binds them to the fields by JSON name.
/// </summary>
public sealed class RuleEditorKindsTests : PageTestContext
{
    private NatRulesService Service => Services.GetRequiredService<NatRulesService>();

    private async Task<(IRenderedComponent<MudDialogProvider> Provider, IDialogReference Dialog)> OpenEditorAsync(RuleForm form, bool isNew = true)
    {
        var provider = Render<MudDialogProvider>();
        var parameters = new DialogParameters<RuleEditorDialog> { { d => d.Form, form }, { d => d.IsNew, isNew } };
        IDialogReference? dialog = null;
        await provider.InvokeAsync(async () => dialog = await Services.GetRequiredService<IDialogService>().ShowAsync<RuleEditorDialog>(null, parameters));
        provider.WaitForElement("input[data-testid=field-name]");
        return (provider, dialog!);
    }

    private static async Task SaveAndCloseAsync(IRenderedComponent<MudDialogProvider> provider, IDialogReference dialog)
    {
        await provider.Find("button[data-testid=save-rule]").ClickAsync(new MouseEventArgs());
        // A save that did not close the dialog fails here (with what the editor shows) instead of hanging the run.
        DialogResult? result;
        try { result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(30)); }
        catch (TimeoutException)
        {
            var shown = provider.FindAll(".mud-dialog .mud-input-helper-text, .mud-dialog .mud-alert").Select(e => e.TextContent.Trim()).Where(t => t.Length > 0);
            throw new Xunit.Sdk.XunitException("the editor did not close; it shows: " + string.Join(" | ", shown));
        }
        Assert.False(result!.Canceled);
    }

    /// <summary>The text MudBlazor shows under one field (its error or helper text).</summary>
    private static string FieldText(IRenderedComponent<MudDialogProvider> provider, string selector) =>
        provider.Find(selector).Closest(".mud-input-control")!.QuerySelector(".mud-input-helper-text")?.TextContent ?? "";

    [Fact]
    public async Task The_editor_saves_a_one_to_one_map_with_a_timeout_policy()
    {
        var (provider, dialog) = await OpenEditorAsync(RuleForm.New(NatRuleKind.OneToOne));
        Assert.Contains("New 1:1 NAT (prefix map) rule", provider.Markup);

        provider.Find("input[data-testid=field-name]").Change("office");
        provider.Find("input[data-testid=field-interfaces]").Change("wan0");
        provider.Find("input[data-testid=field-inside-prefix]").Change("10.0.0.0/24");
        provider.Find("input[data-testid=field-outside-prefix]").Change("192.0.2.0/24");
        provider.Find("input[data-testid=field-timeout-tcp-established]").Change("600");
        await SaveAndCloseAsync(provider, dialog);

        var saved = Assert.IsType<OneToOneRule>(Assert.Single(await Service.ListAsync()));
        Assert.Equal(("office", "wan0", "10.0.0.0/24", "192.0.2.0/24"),
            (saved.Name, Assert.Single(saved.OutsideInterfaces), saved.InsidePrefix.ToString(), saved.OutsidePrefix.ToString()));
        Assert.Equal(new ConntrackTimeoutPolicy { TcpEstablished = 600 }, saved.Timeouts);
    }

    [Fact]
    public async Task The_nptv6_editor_says_it_is_stateful_not_rfc_6296_and_saves_an_ipv6_map()
    {
        var (provider, dialog) = await OpenEditorAsync(RuleForm.New(NatRuleKind.Nptv6));

        var note = provider.Find("[data-testid=nptv6-stateful]").TextContent;
        Assert.Contains("Stateful", note);
        Assert.Contains("conntrack", note);
        Assert.Contains("not the stateless, checksum-neutral translation of RFC 6296", note);
        Assert.Contains("SNPT/DNPT is out of scope", note);

        provider.Find("input[data-testid=field-name]").Change("v6 out");
        provider.Find("input[data-testid=field-interfaces]").Change("wan0");
        provider.Find("input[data-testid=field-inside-prefix]").Change("fd00:1::/64");
        provider.Find("input[data-testid=field-outside-prefix]").Change("2001:db8:1::/64");
        await SaveAndCloseAsync(provider, dialog);

        var saved = Assert.IsType<Nptv6Rule>(Assert.Single(await Service.ListAsync()));
        Assert.Equal((NatFamily.Ipv6, "fd00:1::/64", "2001:db8:1::/64", (ConntrackTimeoutPolicy?)null),
            (saved.Family, saved.InsidePrefix.ToString(), saved.OutsidePrefix.ToString(), saved.Timeouts));
    }

    [Fact]
    public async Task The_editor_saves_a_redirect_to_a_local_port()
    {
        var (provider, dialog) = await OpenEditorAsync(RuleForm.New(NatRuleKind.Redirect));
        // A redirect has no target address: its target is the gateway itself.
        Assert.Empty(provider.FindAll("input[data-testid=field-target-address]"));

        provider.Find("input[data-testid=field-name]").Change("proxy");
        provider.Find("input[data-testid=field-interfaces]").Change("lan0");
        provider.Find("input[data-testid=field-destination-port]").Change("80");
        provider.Find("input[data-testid=field-target-port]").Change("3128");
        provider.Find("input[data-testid=field-source-cidrs]").Change("10.0.0.0/8");
        await SaveAndCloseAsync(provider, dialog);

        var saved = Assert.IsType<RedirectRule>(Assert.Single(await Service.ListAsync()));
        Assert.Equal(("proxy", NatProtocol.Tcp, 80, 3128, "10.0.0.0/8"),
            (saved.Name, saved.Protocol, saved.DestinationPort.From, saved.TargetPort!.Value.From, Assert.Single(saved.SourceCidrs).ToString()));
    }

    [Fact]
    public async Task The_load_balance_editor_starts_with_two_backends_adds_and_removes_rows_and_saves_their_weights()
    {
        // UDP timeouts need a rule that translates UDP: the validator refuses them on a TCP-only forward (they would never
        // apply), so this pool balances both protocols.
        var form = RuleForm.New(NatRuleKind.LoadBalance);
        form.Protocol = "both";
        var (provider, dialog) = await OpenEditorAsync(form);
        Assert.Equal(2, provider.FindAll("[data-testid=backend-row]").Count);

        provider.Find("input[data-testid=field-name]").Change("web pool");
        provider.Find("input[data-testid=field-interfaces]").Change("wan0");
        provider.Find("input[data-testid=field-destination-port]").Change("80");
        provider.Find("button[data-testid=add-backend]").Click();
        provider.WaitForAssertion(() => Assert.Equal(3, provider.FindAll("[data-testid=backend-row]").Count));
        var addresses = provider.FindAll("input[data-testid=backend-address]");
        addresses[0].Change("10.0.0.2");
        addresses[1].Change("10.0.0.99");
        addresses[2].Change("10.0.0.3");
        provider.FindAll("input[data-testid=backend-port]")[2].Change("8080");
        provider.FindAll("input[data-testid=backend-weight]")[2].Change("3");
        // The second row was a mistake: its remove button takes it out, the third moves up.
        provider.Find("button[aria-label='Remove backend 2']").Click();
        provider.WaitForAssertion(() => Assert.Equal(["10.0.0.2", "10.0.0.3"],
            provider.FindAll("input[data-testid=backend-address]").Select(i => i.GetAttribute("value") ?? "").ToArray()));
        provider.Find("input[data-testid=field-timeout-udp-unreplied]").Change("5");
        provider.Find("input[data-testid=field-timeout-udp-replied]").Change("10");
        await SaveAndCloseAsync(provider, dialog);

        var saved = Assert.IsType<LoadBalanceRule>(Assert.Single(await Service.ListAsync()));
        Assert.Equal([new LoadBalanceBackend(IPAddress.Parse("10.0.0.2"), null, 1), new LoadBalanceBackend(IPAddress.Parse("10.0.0.3"), 8080, 3)], saved.Backends);
        Assert.Equal((BalanceMethod.RoundRobin, NatProtocol.Both), (saved.Method, saved.Protocol));
        Assert.Equal(new ConntrackTimeoutPolicy { UdpUnreplied = 5, UdpReplied = 10 }, saved.Timeouts);
    }

    [Fact]
    public async Task Backend_and_timeout_errors_show_at_their_own_fields_and_nothing_is_saved()
    {
        var form = RuleForm.New(NatRuleKind.LoadBalance);
        form.Name = "pool";
        form.Interfaces = "wan0";
        form.DestinationPort = "80";
        form.Backends[0].Address = "10.0.0.2";
        form.Backends[1].Address = "10.0.0.300";
        form.Backends[1].Weight = "0";
        form.TcpEstablished = "a day";
        var (provider, _) = await OpenEditorAsync(form);

        provider.Find("button[data-testid=save-rule]").Click();

        provider.WaitForAssertion(() => Assert.Contains("10.0.0.300", FieldText(provider, "[data-testid=backend-row]:nth-of-type(2) input[data-testid=backend-address]")));
        var rows = provider.FindAll("[data-testid=backend-row]");
        string RowText(int row, string field) =>
            rows[row].QuerySelector($"input[data-testid={field}]")!.Closest(".mud-input-control")!.QuerySelector(".mud-input-helper-text")?.TextContent ?? "";
        Assert.StartsWith("Backend 2", RowText(1, "backend-weight"));
        Assert.Contains("1..100", RowText(1, "backend-weight"));
        Assert.DoesNotContain("10.0.0.300", RowText(0, "backend-address")); // the first row is fine
        Assert.Contains("a day", FieldText(provider, "input[data-testid=field-timeout-tcp-established]"));
        // Every error sits at a field: nothing is left over for the alert at the top.
        Assert.Empty(provider.FindAll(".mud-dialog .mud-alert-text-error"));
        Assert.Empty(await Service.ListAsync());
    }

    [Fact]
    public async Task Editing_a_load_balanced_forward_shows_its_rows_and_method_and_keeps_them_on_save()
    {
        var parsed = NatRuleJson.Parse("""
            {"kind": "load-balance", "name": "sticky", "inInterfaces": ["wan0"], "protocol": "udp", "destinationPort": "53",
             "backends": [{"address": "10.0.0.2", "weight": 2}, {"address": "10.0.0.3", "port": 5353}], "method": "source-hash",
             "timeouts": {"udpReplied": 30}}
            """);
        var created = await Service.CreateAsync(parsed.Rule!, "test");
        Assert.True(created.Saved, string.Join("; ", created.Issues));
        var (provider, dialog) = await OpenEditorAsync(RuleForm.From(created.Rule!), isNew: false);

        Assert.Equal(["10.0.0.2", "10.0.0.3"], provider.FindAll("input[data-testid=backend-address]").Select(i => i.GetAttribute("value") ?? "").ToArray());
        Assert.Equal(["2", "1"], provider.FindAll("input[data-testid=backend-weight]").Select(i => i.GetAttribute("value") ?? "").ToArray());
        Assert.Contains("source hash", provider.Find("[data-testid=field-method]").TextContent);
        Assert.Equal("30", provider.Find("input[data-testid=field-timeout-udp-replied]").GetAttribute("value"));
        provider.Find("input[data-testid=field-timeout-udp-replied]").Change("");
        await SaveAndCloseAsync(provider, dialog);

        var saved = Assert.IsType<LoadBalanceRule>(Assert.Single(await Service.ListAsync()));
        Assert.Equal((BalanceMethod.SourceHash, NatProtocol.Udp, 2, (ConntrackTimeoutPolicy?)null), (saved.Method, saved.Protocol, saved.Backends.Count, saved.Timeouts));
    }

    public static TheoryData<string> NewKinds => new()
    {
        """{"kind": "one-to-one", "name": "a", "outsideInterfaces": ["wan0"], "insidePrefix": "10.0.0.0/24", "outsidePrefix": "192.0.2.0/24", "hairpin": true, "timeouts": {"tcpEstablished": 60}}""",
        """{"kind": "nptv6", "name": "a", "outsideInterfaces": ["wan0"], "insidePrefix": "fd00::/48", "outsidePrefix": "2001:db8::/48"}""",
        """{"kind": "redirect", "name": "a", "inInterfaces": ["lan0"], "protocol": "both", "sourceCidrs": ["10.0.0.0/8"], "destinationAddress": "192.0.2.1", "destinationPort": "53", "targetPort": "5353", "timeouts": {"udpUnreplied": 3}}""",
        """{"kind": "load-balance", "name": "a", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "443", "backends": [{"address": "2001:db8::2", "port": 8443, "weight": 100}, {"address": "2001:db8::3"}], "method": "source-hash"}""",
    };

    [Theory]
    [MemberData(nameof(NewKinds))]
    public void The_form_of_a_rule_parses_back_to_the_same_rule(string json)
    {
        var rule = NatRuleJson.Parse(json).Rule!;
        var again = RuleForm.From(rule).Parse();

        Assert.True(again.Success, string.Join("; ", again.Errors));
        Assert.Equal(NatRuleJson.Serialize(rule), NatRuleJson.Serialize(again.Rule! with { Id = rule.Id }));
    }

    [Fact]
    public async Task The_list_shows_kind_chips_backends_with_their_shares_and_timeouts_and_filters_by_the_new_kinds()
    {
        foreach (var json in new[]
        {
            """{"kind": "one-to-one", "name": "map", "outsideInterfaces": ["wan0"], "insidePrefix": "10.0.0.0/24", "outsidePrefix": "192.0.2.0/24"}""",
            """{"kind": "load-balance", "name": "pool", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "80", "backends": [{"address": "10.0.0.2", "port": 8080, "weight": 3}, {"address": "10.0.0.3"}], "timeouts": {"tcpEstablished": 300}}""",
        })
        {
            var outcome = await Service.CreateAsync(NatRuleJson.Parse(json).Rule!, "test");
            Assert.True(outcome.Saved, string.Join("; ", outcome.Issues));
        }

        var page = Render<Rules>();

        page.WaitForAssertion(() => Assert.Equal(["one-to-one", "load-balance"], page.FindAll("[data-testid=rule-kind-chip]").Select(c => c.TextContent.Trim()).ToArray()));
        Assert.Equal(["→ 10.0.0.2:8080 weight 3 (75%), round-robin", "→ 10.0.0.3 weight 1 (25%)"],
            page.FindAll("[data-testid=rule-backend]").Select(b => b.TextContent).ToArray());
        Assert.Equal("conntrack timeouts: tcp established 300 s", Assert.Single(page.FindAll("[data-testid=rule-timeouts]")).TextContent);
        var summaries = page.FindAll("[data-testid=rule-summary]").Select(c => c.TextContent).ToArray();
        Assert.StartsWith("1:1 out wan0 10.0.0.0/24 ↔ 192.0.2.0/24", summaries[0].Trim());
        Assert.StartsWith("load-balance tcp in wan0 *:80 → 2 backends (round-robin)", summaries[1].Trim());

        await page.InvokeAsync(() => page.Instance.KindAsync(NatRuleKind.LoadBalance));
        page.WaitForAssertion(() => Assert.Equal(["pool"], page.FindAll("[data-testid=rule-name]").Select(c => c.TextContent).ToArray()));
        await page.InvokeAsync(() => page.Instance.KindAsync(NatRuleKind.Nptv6));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=rule-name]")));
    }

    [Fact]
    public async Task A_load_balanced_forward_shows_each_backends_own_counters_when_the_kernel_has_them()
    {
        var created = await Service.CreateAsync(NatRuleJson.Parse("""
            {"kind": "load-balance", "name": "pool", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "80",
             "backends": [{"address": "10.0.0.2"}, {"address": "10.0.0.3"}]}
            """).Rule!, "test");
        var id = created.Rule!.Id;
        var page = Render<Rules>();
        // The first counters read (with the pending diff, after the first render) is in once the pending bar shows.
        page.WaitForAssertion(() => Assert.Equal("1 pending change(s) not yet in the kernel", page.Find("[data-testid=pending-summary]").TextContent));
        Assert.Empty(page.FindAll("[data-testid=rule-backend-packets]")); // none read yet: no made-up zeros

        await page.InvokeAsync(() => page.Instance.Model.UpdateCounters(new Dictionary<Guid, RuleCounters>
        {
            [id] = new(id, 5, 300) { Backends = [new BackendCounters(0, 2, 120), new BackendCounters(1, 3, 180)] },
        }));
        page.Render();

        Assert.Equal([" · 2 packets, 120 bytes", " · 3 packets, 180 bytes"], page.FindAll("[data-testid=rule-backend-packets]").Select(s => s.TextContent).ToArray());
        Assert.Equal("5", page.Find("[data-testid=rule-packets]").TextContent);
    }

    [Fact]
    public void The_add_menu_offers_every_kind_and_opens_the_editor_of_the_one_chosen()
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

        host.WaitForAssertion(() => Assert.Equal(
            NatRuleJson.Kinds.Select(k => $"add-{k.Text}").ToArray(),
            host.FindAll("[data-testid^=add-]").Select(e => e.GetAttribute("data-testid") ?? "").Where(t => t != "add-rule").Distinct().ToArray()));
        host.Find("[data-testid=add-load-balance]").Click();

        host.WaitForElement("[data-testid=add-backend]");
        Assert.Contains("New Load-balanced forward rule", host.Markup);
    }
}
