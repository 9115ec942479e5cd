using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using NatGateway.Core.Rules;
using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.Web.Components.Pages;
using Xunit;

namespace NatGateway.Web.Tests;

/// <summary>
/// The Rules page with more rules than one page (issue 12): server-side paging, search and filters, reorder across pages
/// (to a position, before a rule, the arrows), bulk actions with their counts, counters of the visible rows only.
/// </summary>
public sealed class RulesPagingPageTests : PageTestContext
{
    private const int RuleCount = 120;

    private NatRulesService Service => Services.GetRequiredService<NatRulesService>();

    private static string Name(int i) => $"r{i:000}";

    /// <summary>r001..r120: forwards of UDP port 10000+i on lan0 (every 10th on lan1, every 7th disabled), one draft change.</summary>
    private async Task SeedAsync()
    {
        var rules = Enumerable.Range(1, RuleCount).Select(i => NatRuleJson.Parse($$"""
            {"kind": "dnat", "name": "{{Name(i)}}", "enabled": {{(i % 7 == 0 ? "false" : "true")}}, "inInterfaces": ["{{(i % 10 == 0 ? "lan1" : "lan0")}}"],
             "protocol": "udp", "destinationPort": "{{10000 + i}}", "targetAddress": "10.0.0.2", "targetPort": "{{10000 + i}}"}
            """).Rule!).ToList();
        var outcome = await Service.SaveBatchAsync(rules, "test");
        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Errors.Select(e => e.Key + " " + e.Issue.Message)));
    }

    private static string[] Names(IRenderedComponent<Rules> page) =>
        page.FindAll("[data-testid=rule-name]").Select(c => c.TextContent).ToArray();

    private static string[] Expected(params int[] numbers) => numbers.Select(Name).ToArray();

    private static string[] Range(int from, int to) => Enumerable.Range(from, to - from + 1).Select(Name).ToArray();

    private async Task<string[]> StoredNamesAsync() => (await Service.ListAsync()).Select(r => r.Name).ToArray();

    private async Task<IRenderedComponent<Rules>> RenderSeededAsync()
    {
        await SeedAsync();
        var page = Render<Rules>();
        // A screen's worth first (RulesViewModel.DefaultPageSize); these tests then page through pages of 50.
        page.WaitForAssertion(() => Assert.Equal(Range(1, 25), Names(page)));
        Assert.Equal("Page 1 of 5", page.Find("[data-testid=page-info]").TextContent);
        // The pending diff and drift arrive after the first render, in one update: wait for it before clicking.
        page.WaitForAssertion(() => Assert.Equal("120 pending change(s) not yet in the kernel", page.Find("[data-testid=pending-summary]").TextContent));
        await page.InvokeAsync(() => page.Instance.PageSizeAsync(50));
        page.WaitForAssertion(() => Assert.Equal(Range(1, 50), Names(page)));
        return page;
    }

    private static void ClickRowButton(IRenderedComponent<Rules> page, string rule, string label) =>
        page.FindAll("tbody tr").Single(r => r.QuerySelector("[data-testid=rule-name]")?.TextContent == rule)
            .QuerySelector($"button[aria-label='{label}']")!.Click();

    [Fact]
    public async Task Shows_one_page_at_a_time_with_the_total_and_pages_through_the_list()
    {
        var page = await RenderSeededAsync();

        Assert.Equal("120 rules", page.Find("[data-testid=rule-count]").TextContent);
        Assert.Equal("Page 1 of 3", page.Find("[data-testid=page-info]").TextContent);
        Assert.Equal("1", page.FindAll("[data-testid=rule-position]")[0].TextContent);

        page.Find("[data-testid=page-next]").Click();
        page.WaitForAssertion(() => Assert.Equal(Range(51, 100), Names(page)));
        Assert.Equal("51", page.FindAll("[data-testid=rule-position]")[0].TextContent); // positions in the whole list
        Assert.Equal((2, 50, 120, 120), (page.Instance.Model.Page, page.Instance.Model.Rows.Items.Count, page.Instance.Model.Rows.TotalCount, page.Instance.Model.TotalRules));
        page.Find("[data-testid=page-last]").Click();
        page.WaitForAssertion(() => Assert.Equal(Range(101, 120), Names(page)));
        Assert.Equal("Page 3 of 3", page.Find("[data-testid=page-info]").TextContent);

        // A smaller page keeps the first visible rule on screen.
        await page.InvokeAsync(() => page.Instance.PageSizeAsync(25));
        page.WaitForAssertion(() => Assert.Equal(Range(101, 120), Names(page)));
        Assert.Equal("Page 5 of 5", page.Find("[data-testid=page-info]").TextContent);
        page.Find("[data-testid=page-first]").Click();
        page.WaitForAssertion(() => Assert.Equal(Range(1, 25), Names(page)));
    }

    [Fact]
    public async Task Search_finds_by_name_port_and_interface_and_the_filters_narrow_by_kind_and_state()
    {
        var page = await RenderSeededAsync();

        page.Find("input[data-testid=rule-search]").Input("r11");
        page.WaitForAssertion(() => Assert.Equal(Range(110, 119), Names(page)));
        Assert.Equal("10 of 120 rules match", page.Find("[data-testid=rule-count]").TextContent);
        Assert.Equal("Page 1 of 1", page.Find("[data-testid=page-info]").TextContent);

        page.Find("input[data-testid=rule-search]").Input(":10042");
        page.WaitForAssertion(() => Assert.Equal(Expected(42), Names(page)));

        page.Find("input[data-testid=rule-search]").Input("LAN1");
        page.WaitForAssertion(() => Assert.Equal(Enumerable.Range(1, 12).Select(i => Name(i * 10)).ToArray(), Names(page)));

        // Disabled rules on lan1: every 70th.
        await page.InvokeAsync(() => page.Instance.EnabledAsync(false));
        page.WaitForAssertion(() => Assert.Equal(Expected(70), Names(page)));

        page.Find("input[data-testid=rule-search]").Input("");
        page.WaitForAssertion(() => Assert.Equal(Enumerable.Range(1, 17).Select(i => Name(i * 7)).ToArray(), Names(page)));
        await page.InvokeAsync(() => page.Instance.KindAsync(NatRuleKind.Masquerade));
        page.WaitForAssertion(() => Assert.Contains("No rule matches the search and filters.", page.Find("[data-testid=rules]").TextContent));
        Assert.Equal("0 of 120 rules match", page.Find("[data-testid=rule-count]").TextContent);
    }

    [Fact]
    public async Task Move_to_position_one_from_page_three_shows_the_rule_first_on_page_one()
    {
        var page = await RenderSeededAsync();
        page.Find("[data-testid=page-last]").Click();
        page.WaitForAssertion(() => Assert.Equal(Name(101), Names(page)[0]));

        ClickRowButton(page, "r110", "move to");
        page.WaitForAssertion(() => Assert.Equal("Move 'r110' (now #110 of 120)", page.Find("[data-testid=move-title]").TextContent));
        page.Find("input[data-testid=move-position]").Input("1");
        page.Find("[data-testid=move-to]").Click();

        page.WaitForAssertion(() => Assert.Equal(["r110", .. Range(1, 49)], Names(page)));
        Assert.Equal("Page 1 of 3", page.Find("[data-testid=page-info]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=move-panel]"));
        var stored = await StoredNamesAsync();
        Assert.Equal(["r110", .. Range(1, 109), .. Range(111, 120)], stored);
    }

    [Fact]
    public async Task A_position_outside_the_list_is_refused_at_the_field_and_nothing_moves()
    {
        var page = await RenderSeededAsync();

        ClickRowButton(page, "r003", "move to");
        page.WaitForElement("input[data-testid=move-position]").Input("121");
        page.Find("[data-testid=move-to]").Click();

        page.WaitForAssertion(() => Assert.Equal("Give a position between 1 and 120",
            page.Find("input[data-testid=move-position]").Closest(".mud-input-control")!.QuerySelector(".mud-input-helper-text")!.TextContent));
        Assert.Equal(Range(1, 120), await StoredNamesAsync());
    }

    [Fact]
    public async Task Move_before_a_rule_picked_by_name_search_and_the_view_follows_it()
    {
        var page = await RenderSeededAsync();

        ClickRowButton(page, "r005", "move to");
        page.WaitForElement("input[data-testid=move-before-search]").Input("r10");
        page.WaitForAssertion(() => Assert.Equal(
            Enumerable.Range(100, 8).Select(i => $"Before #{i} r{i}").ToArray(),
            page.FindAll("[data-testid=move-before-candidate]").Select(b => b.TextContent.Trim()).ToArray()));
        page.FindAll("[data-testid=move-before-candidate]")[0].Click();

        // r005 now sits at position 99, just before r100: page 2 (51..100) shows it.
        page.WaitForAssertion(() => Assert.Equal([.. Range(52, 99), "r005", "r100"], Names(page)));
        Assert.Equal("Page 2 of 3", page.Find("[data-testid=page-info]").TextContent);
        var stored = await StoredNamesAsync();
        Assert.Equal(98, Array.IndexOf(stored, "r005"));
        Assert.Equal(99, Array.IndexOf(stored, "r100"));
    }

    [Fact]
    public async Task The_arrows_move_a_rule_across_a_page_boundary()
    {
        var page = await RenderSeededAsync();
        page.Find("[data-testid=page-next]").Click();
        page.WaitForAssertion(() => Assert.Equal(Name(51), Names(page)[0]));

        // The first rule of page 2 moves up onto page 1 (its last row), and the view follows it.
        ClickRowButton(page, "r051", "move up");
        page.WaitForAssertion(() => Assert.Equal([.. Range(1, 49), "r051"], Names(page)));
        Assert.Equal("Page 1 of 3", page.Find("[data-testid=page-info]").TextContent);

        ClickRowButton(page, "r051", "move down");
        page.WaitForAssertion(() => Assert.Equal(Range(51, 100), Names(page)));
        Assert.Equal(Range(1, 120), await StoredNamesAsync());
        // The last rule of the whole list cannot go further down; the first of page 2 can go up.
        page.Find("[data-testid=page-last]").Click();
        page.WaitForAssertion(() => Assert.Equal(Name(120), Names(page)[^1]));
        Assert.True(page.FindAll("button[aria-label='move down']")[^1].HasAttribute("disabled"));
        Assert.False(page.FindAll("button[aria-label='move up']")[0].HasAttribute("disabled"));
    }

    [Fact]
    public async Task Bulk_actions_name_their_count_for_the_page_and_for_all_matching_rules()
    {
        var page = await RenderSeededAsync();

        page.Find("input[data-testid=select-page]").Change(true);
        page.WaitForAssertion(() => Assert.Equal("Disable 50 rules", page.Find("[data-testid=bulk-disable]").TextContent.Trim()));
        Assert.Equal("Select all 120 matching", page.Find("[data-testid=select-all-matching]").TextContent.Trim());
        page.Find("[data-testid=select-all-matching]").Click();
        page.WaitForAssertion(() => Assert.Equal("Delete 120 rules", page.Find("[data-testid=bulk-delete]").TextContent.Trim()));
        Assert.Equal(120, page.Instance.Model.SelectedCount); // ids only: the page still holds 50 rules
        Assert.Equal(50, page.Instance.Model.Rows.Items.Count);
        Assert.Empty(page.FindAll("[data-testid=select-all-matching]"));

        // A new search clears the selection; "all matching" then means the search's rules on every page.
        page.Find("input[data-testid=rule-search]").Input("lan1");
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=bulk-bar]")));
        page.WaitForAssertion(() => Assert.Equal(12, Names(page).Length));
        page.Find("input[data-testid=rule-select]").Change(true);
        page.WaitForAssertion(() => Assert.Equal("Disable 1 rule", page.Find("[data-testid=bulk-disable]").TextContent.Trim()));
        page.Find("[data-testid=bulk-disable]").Click();

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=bulk-bar]")));
        var rules = await Service.ListAsync();
        Assert.False(rules.Single(r => r.Name == "r010").Enabled);
        Assert.Equal(RuleCount - 17 - 1, rules.Count(r => r.Enabled));
    }

    [Fact]
    public async Task Bulk_delete_of_all_matching_rules_asks_first_naming_the_count()
    {
        var dialogs = Render<MudDialogProvider>();
        var page = await RenderSeededAsync();
        page.Find("input[data-testid=rule-search]").Input("r11");
        page.WaitForAssertion(() => Assert.Equal(10, Names(page).Length));

        page.Find("input[data-testid=select-page]").Change(true);
        page.WaitForElement("[data-testid=bulk-delete]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Delete 10 rules?", dialogs.Markup));
        Assert.Equal(RuleCount, (await Service.ListAsync()).Count); // nothing yet
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete 10 rules").Click();

        page.WaitForAssertion(() => Assert.Equal("0 of 110 rules match", page.Find("[data-testid=rule-count]").TextContent));
        var stored = await StoredNamesAsync();
        Assert.Equal([.. Range(1, 109), "r120"], stored);
        Assert.Empty(page.FindAll("[data-testid=bulk-bar]"));
    }

    [Fact]
    public async Task Only_the_visible_rows_keep_counters()
    {
        var page = await RenderSeededAsync();
        var all = (await Service.ListAsync()).ToDictionary(r => r.Id, r => new RuleCounters(r.Id, r.Position + 1000, 1));

        await page.InvokeAsync(() => page.Instance.Model.UpdateCounters(all));

        Assert.Equal(50, page.Instance.Model.VisibleCounterCount);
        page.Render();
        Assert.Equal("1000", page.FindAll("[data-testid=rule-packets]")[0].TextContent);
    }
}
