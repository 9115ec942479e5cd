using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using NatGateway.Conntrack;
using NatGateway.Core.Conntrack;
using NatGateway.Core.Kernel;
using NatGateway.Core.Rules;
using NatGateway.Data;
using NatGateway.Nat;
using Xunit;
using ConntrackPage = NatGateway.Web.Components.Pages.Conntrack;

namespace NatGateway.Web.Tests.Conntrack;

/// <summary>The Conntrack page over a mirror fed with synthetic flows through its source interface.</summary>
public sealed class ConntrackPageTests : ConntrackPageTestContext
{
    private FakeConntrackTable _table => Table;

    public ConntrackPageTests()
    {
        // 100 UDP flows 10.0.0.1..100 → 192.0.2.53:53 (tests add 20 masqueraded TCP flows 10.0.1.1..20 → 198.51.100.7:443).
        for (var i = 1; i <= 100; i++) _table.Add(FakeConntrackTable.Udp($"10.0.0.{i}", (ushort)(20000 + i), "192.0.2.53", 53));
    }

    private async Task<NatRule> AddMasqueradeRuleAsync()
    {
        var parsed = NatRuleJson.Parse("""{"kind": "masquerade", "name": "lan out", "outInterfaces": ["wan0"], "sourceCidrs": ["10.0.1.0/24"]}""");
        var outcome = await Services.GetRequiredService<NatRulesService>().CreateAsync(parsed.Rule!, "test");
        Assert.True(outcome.Saved, string.Join("; ", outcome.Issues));
        return outcome.Rule!;
    }

    private void AddTcpFlows(uint mark)
    {
        for (var i = 1; i <= 20; i++)
            _table.Add(FakeConntrackTable.TcpSnat($"10.0.1.{i}", (ushort)(30000 + i), "198.51.100.7", 443, "203.0.113.1", (ushort)(40000 + i), mark));
    }

    private IRenderedComponent<ConntrackPage> RenderPage()
    {
        var page = Render<ConntrackPage>();
        page.WaitForAssertion(() => Assert.Equal(50, page.FindAll("[data-testid=flow-row]").Count));
        return page;
    }

    private static string Total(IRenderedComponent<ConntrackPage> page) => page.Find("[data-testid=total-matching]").TextContent.Trim();

    // The mirror renders from its own thread: an event queued behind such a render would run after a plain Input()/Click()
    // returns. Awaiting the dispatch makes the filter applied (and the grid reloaded) before the test looks.
    private static async Task ApplyFilterAsync(IRenderedComponent<ConntrackPage> page, string text)
    {
        await page.Find("input[data-testid=conntrack-filter]").InputAsync(new ChangeEventArgs { Value = text });
        await page.Find("[data-testid=apply-filter]").ClickAsync(new MouseEventArgs());
    }

    [Fact]
    public async Task The_grid_is_server_paged_and_filters_with_removable_chips()
    {
        AddTcpFlows(0);
        var page = RenderPage();
        page.WaitForAssertion(() => Assert.StartsWith("120 matching of 120", Total(page)));

        await ApplyFilterAsync(page, "proto tcp and dport 443");
        page.WaitForAssertion(() =>
        {
            Assert.Equal(20, page.FindAll("[data-testid=flow-row]").Count);
            Assert.StartsWith("20 matching of 120", Total(page));
            Assert.All(page.FindAll("[data-testid=cell-dport]"), c => Assert.Equal("443", c.TextContent));
            var chips = page.FindAll("[data-testid=filter-chip]");
            Assert.Equal(["proto tcp", "dport 443"], chips.Select(c => c.TextContent.Trim()).ToArray());
        });

        // Removing the "proto tcp" chip keeps "dport 443" (the same 20 rows); removing the other shows everything again.
        await page.FindAll("[data-testid=filter-chip] .mud-chip-close-button")[0].ClickAsync(new MouseEventArgs());
        page.WaitForAssertion(() =>
        {
            Assert.Single(page.FindAll("[data-testid=filter-chip]"));
            Assert.StartsWith("20 matching", Total(page));
        });
        await page.Find("[data-testid=filter-chip] .mud-chip-close-button").ClickAsync(new MouseEventArgs());
        page.WaitForAssertion(() =>
        {
            Assert.StartsWith("120 matching", Total(page));
            Assert.Empty(page.FindAll("[data-testid=filter-chip]"));
        });
    }

    [Fact]
    public async Task A_bad_filter_shows_the_parse_message_with_the_column_and_keeps_the_grid()
    {
        var page = RenderPage();
        await ApplyFilterAsync(page, "proto udp and dport");
        page.WaitForAssertion(() => Assert.Contains("column", page.Find("[data-testid=filter-error]").TextContent));
        Assert.StartsWith("100 matching", Total(page));
        Assert.Equal(50, page.FindAll("[data-testid=flow-row]").Count);

        page.Find("[data-testid=filter-help-toggle]").Click();
        page.WaitForAssertion(() => Assert.Contains("reply-src", page.Find("[data-testid=filter-help]").TextContent));
    }

    [Fact]
    public async Task Sorting_by_source_descending_puts_the_highest_address_first()
    {
        var page = RenderPage();
        Assert.Equal("10.0.0.1", page.FindAll("[data-testid=cell-src]")[0].TextContent);
        // Each click reloads the grid; awaiting it keeps the first (ascending) reload from landing after the second.
        await page.FindAll(".mud-table-sort-label").Single(l => l.TextContent.Contains("Source")).ClickAsync(new MouseEventArgs());
        page.WaitForAssertion(() => Assert.Equal("10.0.0.1", page.FindAll("[data-testid=cell-src]")[0].TextContent));
        await page.FindAll(".mud-table-sort-label").Single(l => l.TextContent.Contains("Source")).ClickAsync(new MouseEventArgs());
        page.WaitForAssertion(() =>
        {
            Assert.Equal("10.0.0.100", page.FindAll("[data-testid=cell-src]")[0].TextContent);
            Assert.Equal("10.0.0.51", page.FindAll("[data-testid=cell-src]")[49].TextContent);
        });
    }

    [Fact]
    public async Task Row_details_show_both_tuples_the_translation_and_the_rule_that_marked_the_flow()
    {
        var rule = await AddMasqueradeRuleAsync();
        var mark = Services.GetRequiredService<NatGateway.Nftables.NatCompileOptions>().MarkValue(rule.MarkId);
        AddTcpFlows(mark);
        var page = RenderPage();
        await ApplyFilterAsync(page, "src 10.0.1.7");
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=flow-row]")));

        page.Find("[data-testid=flow-row]").Click();

        var details = page.WaitForElement("[data-testid=flow-details]");
        Assert.Equal("tcp 10.0.1.7:30007 → 198.51.100.7:443", details.QuerySelector("[data-testid=original-tuple]")!.TextContent);
        Assert.Equal("tcp 198.51.100.7:443 → 203.0.113.1:40007", details.QuerySelector("[data-testid=reply-tuple]")!.TextContent);
        Assert.Equal("SNAT 10.0.1.7:30007 → 203.0.113.1:40007", Normalize(details.QuerySelector("[data-testid=nat-translation]")!.TextContent));
        Assert.Equal($"lan out (mark id {rule.MarkId})", details.QuerySelector("[data-testid=flow-rule]")!.TextContent.Trim());
    }

    [Fact]
    public async Task Live_mode_shows_a_new_flow_without_a_reload()
    {
        var page = RenderPage();
        await ApplyFilterAsync(page, "dport 123");
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=no-flows]")));

        // Live must be on before the flow arrives: a queued Change() could run after the mirror's event.
        await page.Find("input[data-testid=live-toggle]").ChangeAsync(new ChangeEventArgs { Value = true });
        _table.Add(FakeConntrackTable.Udp("10.0.0.200", 5000, "192.0.2.123", 123));

        page.WaitForAssertion(() =>
        {
            Assert.Equal("10.0.0.200", page.Find("[data-testid=cell-src]").TextContent);
            Assert.StartsWith("1 matching of 101", Total(page));
        });
    }

    [Fact]
    public async Task Turning_live_on_shows_a_flow_that_arrived_while_it_was_off()
    {
        var page = RenderPage();
        await ApplyFilterAsync(page, "dport 123");
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=no-flows]")));
        var mirror = Services.GetRequiredService<ConntrackMirrorService>();
        _table.Add(FakeConntrackTable.Udp("10.0.0.200", 5000, "192.0.2.123", 123));
        await WaitUntilAsync(() => mirror.Count(NatGateway.Conntrack.Mirror.Query.FlowFilter.Parse("dport 123")) == 1);

        // No further change comes: only turning Live on can bring the grid up to date.
        await page.Find("input[data-testid=live-toggle]").ChangeAsync(new ChangeEventArgs { Value = true });

        page.WaitForAssertion(() => Assert.Equal("10.0.0.200", page.Find("[data-testid=cell-src]").TextContent));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 30 s");
            await Task.Delay(10); // polling interval
        }
    }

    [Fact]
    public async Task Delete_all_matching_asks_with_the_count_then_deletes_exactly_those()
    {
        AddTcpFlows(0);
        var dialogs = Render<MudDialogProvider>();
        var page = RenderPage();
        await ApplyFilterAsync(page, "proto tcp");
        page.WaitForAssertion(() => Assert.StartsWith("20 matching", Total(page)));

        page.Find("[data-testid=delete-matching]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Delete 20 entries: all entries matching 'proto tcp'?", dialogs.Markup));
        Assert.Equal(120, _table.Entries);
        await dialogs.InvokeAsync(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete 20").Click());

        page.WaitForAssertion(() => Assert.StartsWith("0 matching of 100", Total(page)));
        Assert.Equal(100, _table.Entries);
        Assert.DoesNotContain(_table.Snapshot(), f => f.Protocol == IPProtocol.Tcp);
    }

    [Fact]
    public async Task Delete_selected_removes_only_the_ticked_rows_after_confirmation()
    {
        var dialogs = Render<MudDialogProvider>();
        var page = RenderPage();
        var boxes = page.FindAll("[data-testid=flows] tbody input[type=checkbox]");
        boxes[0].Change(true);
        page.FindAll("[data-testid=flows] tbody input[type=checkbox]")[1].Change(true);
        page.WaitForAssertion(() => Assert.Contains("(2)", page.Find("[data-testid=delete-selected]").TextContent));

        page.Find("[data-testid=delete-selected]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Delete 2 selected conntrack entries?", dialogs.Markup));
        await dialogs.InvokeAsync(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete 2").Click());

        page.WaitForAssertion(() => Assert.Equal(98, _table.Entries));
        Assert.DoesNotContain(_table.Snapshot(), f => f.Original.Source.ToString() is "10.0.0.1" or "10.0.0.2");
    }

    [Fact]
    public void Delete_all_matching_is_disabled_while_the_filter_box_does_not_parse_or_differs_from_the_applied_filter()
    {
        var page = RenderPage();
        var button = () => page.Find("[data-testid=delete-matching]");
        Assert.False(button().HasAttribute("disabled"));

        // Half-typed: the applied filter is still "everything"; deleting now would cut every connection.
        page.Find("input[data-testid=conntrack-filter]").Input("dport 8080 and (");
        page.WaitForAssertion(() => Assert.True(button().HasAttribute("disabled")));
        Assert.Contains("Fix the filter", page.Find("[data-testid=delete-matching-blocked]").TextContent);

        // Parses, but is not what the grid (and the count) show.
        page.Find("input[data-testid=conntrack-filter]").Input("dport 53");
        page.WaitForAssertion(() => Assert.Contains("Apply the filter first", page.Find("[data-testid=delete-matching-blocked]").TextContent));
        Assert.True(button().HasAttribute("disabled"));

        page.Find("[data-testid=apply-filter]").Click();
        page.WaitForAssertion(() => Assert.False(button().HasAttribute("disabled")));
        Assert.Empty(page.FindAll("[data-testid=delete-matching-blocked]"));
    }

    [Fact]
    public async Task The_delete_all_confirmation_names_every_entry_when_no_filter_is_applied()
    {
        var dialogs = Render<MudDialogProvider>();
        var page = RenderPage();
        page.Find("[data-testid=delete-matching]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Delete 100 entries: EVERY conntrack entry (no filter)?", dialogs.Markup));
        await dialogs.InvokeAsync(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click());
        Assert.Equal(100, _table.Entries);
    }

    [Fact]
    public async Task With_live_off_deleted_rows_and_counts_go_at_once_even_without_destroy_events_or_a_finished_resync()
    {
        var dialogs = Render<MudDialogProvider>();
        var page = RenderPage();
        // Entries made before any listener existed send no DESTROY, and the resync a delete asks for takes its time.
        _table.SilentDeletes = true;
        _table.HoldDumps();
        try
        {
            var deletedSource = page.FindAll("[data-testid=cell-src]")[0].TextContent;
            page.FindAll("[data-testid=flows] tbody input[type=checkbox]")[0].Change(true);
            page.WaitForAssertion(() => Assert.Contains("(1)", page.Find("[data-testid=delete-selected]").TextContent));
            page.Find("[data-testid=delete-selected]").Click();
            dialogs.WaitForAssertion(() => Assert.Contains("Delete 1 selected conntrack entry?", dialogs.Markup));
            await dialogs.InvokeAsync(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete 1").Click());

            // The count and the rows are rendered separately: wait for both.
            page.WaitForAssertion(() =>
            {
                Assert.StartsWith("99 matching of 99", Total(page));
                Assert.DoesNotContain(page.FindAll("[data-testid=cell-src]"), c => c.TextContent == deletedSource);
            });

            await ApplyFilterAsync(page, "src 10.0.0.0/30");
            page.WaitForAssertion(() => Assert.StartsWith("2 matching of 99", Total(page)));
            page.Find("[data-testid=delete-matching]").Click();
            dialogs.WaitForAssertion(() => Assert.Contains("Delete 2 entries: all entries matching 'src 10.0.0.0/30'?", dialogs.Markup));
            await dialogs.InvokeAsync(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete 2").Click());

            page.WaitForAssertion(() =>
            {
                Assert.StartsWith("0 matching of 97", Total(page));
                Assert.NotNull(page.Find("[data-testid=no-flows]"));
            });
            Assert.Equal(97, _table.Entries);
        }
        finally
        {
            _table.ReleaseDumps();
        }
    }

    [Fact]
    public async Task Mark_shows_the_rule_name_timeouts_read_as_durations_and_an_empty_bytes_column_says_why()
    {
        Kernel.Memory.Values["net.netfilter.nf_conntrack_acct"] = "0";
        var rule = await AddMasqueradeRuleAsync();
        var mark = Services.GetRequiredService<NatGateway.Nftables.NatCompileOptions>().MarkValue(rule.MarkId);
        AddTcpFlows(mark);
        _table.Add(FakeConntrackTable.Udp("10.0.2.1", 5353, "192.0.2.9", 5353, timeout: 431_909));
        var page = RenderPage();

        await ApplyFilterAsync(page, "src 10.0.1.7");
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=flow-row]")));
        var markCell = page.Find("[data-testid=cell-mark] span");
        Assert.Equal("lan out", markCell.TextContent.Trim());
        Assert.Contains($"0x{mark:x8}", markCell.GetAttribute("title"));
        // Timeouts count down while the test runs (a loaded box may take a minute or more): 400 s reads "6m 40s" or less,
        // 431,909 s "4d 23h 58m" or less.
        var timeout = page.Find("[data-testid=cell-timeout] span");
        Assert.Matches(@"^[3-6]m [0-5]\ds$", timeout.TextContent.Trim());
        Assert.Matches(@"^(400|3\d\d|2[4-9]\d) s$", timeout.GetAttribute("title"));

        await ApplyFilterAsync(page, "src 10.0.2.1");
        page.WaitForAssertion(() => Assert.Matches(@"^4d 23h [45]\dm$", page.Find("[data-testid=cell-timeout] span").TextContent.Trim()));
        var seconds = page.Find("[data-testid=cell-timeout] span").GetAttribute("title")!;
        Assert.EndsWith(" s", seconds);
        Assert.InRange(int.Parse(seconds[..^2]), 431_300, 431_909);

        var notice = page.Find("[data-testid=acct-off]").TextContent;
        Assert.Contains("net.netfilter.nf_conntrack_acct=0", notice);
        Assert.Contains("sysctl -w net.netfilter.nf_conntrack_acct=1", notice);
    }

    [Fact]
    public void With_accounting_on_there_is_no_accounting_notice()
    {
        Kernel.Memory.Values["net.netfilter.nf_conntrack_acct"] = "1";
        var page = RenderPage();
        Assert.Empty(page.FindAll("[data-testid=acct-off]"));
    }

    [Fact]
    public async Task The_gauge_chart_and_per_cpu_rates_highlight_drops()
    {
        var page = RenderPage();
        var mirror = Services.GetRequiredService<ConntrackMirrorService>();
        // Awaited: the first sample must be taken before the counters change, or both samples see the drops (rate 0).
        await page.InvokeAsync(() => mirror.SampleStats());
        _table.Cpus = [new(0, 10, 0, 50, 0, 7, 3, 0, 0, 0, 0), new(1, 0, 0, 20, 4, 0, 0, 0, 0, 0, 0)];
        await page.InvokeAsync(() => mirror.SampleStats());

        page.WaitForAssertion(() => Assert.Equal(2, int.Parse(page.Find("[data-testid=entry-chart]").GetAttribute("data-points")!)));
        Assert.Matches(@"100 / 1[,.]?000", page.Find("[data-testid=gauge-text]").TextContent);
        Assert.Contains("10", page.Find("[data-testid=count-gauge]").TextContent); // 10.0 % full
        var rows = page.FindAll("[data-testid=cpu-row]");
        Assert.Equal(3, rows.Count); // two CPUs and the sum
        Assert.NotNull(rows[0].QuerySelector("[data-testid=trouble-drop]"));
        Assert.NotNull(rows[0].QuerySelector("[data-testid=trouble-early-drop]"));
        Assert.Null(rows[0].QuerySelector("[data-testid=trouble-insert-failed]"));
        Assert.NotNull(rows[1].QuerySelector("[data-testid=trouble-insert-failed]"));
        Assert.Contains("ngw-trouble", rows[2].ClassName);
    }

    private static string Normalize(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ").Trim();
}
