using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using NatGateway.Capacity.Planning;
using NatGateway.Core.Capacity;
using NatGateway.Data;
using Xunit;
using CapacityPage = NatGateway.Web.Components.Pages.Capacity;

namespace NatGateway.Web.Tests.Capacity;

public sealed class CapacityPageTests : CapacityPageTestContext
{
    [Fact]
    public async Task Entering_expected_flows_shows_the_models_numbers_and_a_chart()
    {
        var page = Render<CapacityPage>();

        await SetAsync(page.FindComponents<MudNumericField<long>>().Single(f => f.Instance.Label == "Expected entries"), 500_000L);

        var expected = CapacityService.Plan(new CapacityPlanRequest { ExpectedEntries = 500_000 }, Reader.Facts);
        Assert.Equal("500,000", page.Find("[data-testid=recommended-max]").TextContent);
        Assert.Equal("500,224", page.Find("[data-testid=recommended-buckets]").TextContent);
        Assert.Equal(expected.EntriesMemoryBytes.ToString(), page.Find("[data-testid=entries-memory]").GetAttribute("data-bytes"));
        Assert.Equal(128_000_000L, expected.EntriesMemoryBytes); // 256-byte objects, no extensions
        Assert.Equal(expected.BucketsMemoryBytes.ToString(), page.Find("[data-testid=buckets-memory]").GetAttribute("data-bytes"));
        Assert.NotEmpty(page.Find("[data-testid=chart-curve]").GetAttribute("points")!);
        Assert.NotNull(page.Find("[data-testid=chart-recommended]"));
    }

    [Fact]
    public async Task What_if_sliders_replan_at_once()
    {
        var page = Render<CapacityPage>();
        await SetAsync(page.FindComponents<MudNumericField<long>>().Single(f => f.Instance.Label == "Expected entries"), 200_000L);

        var sliders = page.FindComponents<MudSlider<double>>();
        await SetAsync(sliders.Single(s => s.Markup.Contains("peak-slider", StringComparison.Ordinal)), 1.5);
        Assert.Equal("300,000", page.Find("[data-testid=recommended-max]").TextContent);

        await SetAsync(page.FindComponents<MudSlider<double>>().Single(s => s.Markup.Contains("load-slider", StringComparison.Ordinal)), 2.0);
        Assert.Equal("150,016", page.Find("[data-testid=recommended-buckets]").TextContent); // 300,000 / 2 rounded up to 512
        Assert.Contains("4", page.Find("[data-testid=chain-length]").TextContent); // 2 hashes per entry × 2 entries per bucket
    }

    [Fact]
    public async Task Apply_asks_for_confirmation_then_writes_and_records_the_values()
    {
        var page = Render<CapacityPage>();
        await SetAsync(page.FindComponents<MudNumericField<long>>().Single(f => f.Instance.Label == "Expected entries"), 300_000L);

        page.Find("button[data-testid=apply]").Click();
        page.WaitForAssertion(() => Assert.Contains("net.netfilter.nf_conntrack_max = 300000", page.Find("[data-testid=apply-confirmation]").TextContent));
        Assert.Equal("262144", Kernel.Memory.Values["net.netfilter.nf_conntrack_max"]); // nothing written before confirming

        page.Find("button[data-testid=apply-confirm]").Click();

        page.WaitForAssertion(() => Assert.Contains("300000", page.Find("[data-testid=apply-result]").TextContent));
        Assert.Equal("300000", Kernel.Memory.Values["net.netfilter.nf_conntrack_max"]);
        Assert.Equal("300032", Kernel.Memory.Values["net.netfilter.nf_conntrack_buckets"]);
        await using var db = await Services.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>().CreateDbContextAsync();
        Assert.Equal(["net.netfilter.nf_conntrack_buckets", "net.netfilter.nf_conntrack_max"], db.SettingChanges.Select(c => c.Key).Order().ToList());
        Assert.All(db.SettingChanges, c => Assert.Equal("web", c.ChangedBy));
    }

    [Fact]
    public async Task Inside_a_namespace_apply_explains_why_max_and_buckets_stay()
    {
        Kernel.Memory.ReadOnly.Add("net.netfilter.nf_conntrack_max");
        Kernel.Memory.ReadOnly.Add("net.netfilter.nf_conntrack_buckets");
        var page = Render<CapacityPage>();
        await SetAsync(page.FindComponents<MudNumericField<long>>().Single(f => f.Instance.Label == "Expected entries"), 300_000L);
        Assert.Contains("initial network namespace", page.Find("[data-testid=now-readonly]").TextContent);

        page.Find("button[data-testid=apply]").Click();
        page.WaitForAssertion(() => Assert.Contains("initial network namespace", page.Find("[data-testid=apply-readonly-note]").TextContent));
        page.Find("button[data-testid=apply-confirm]").Click();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=apply-readonly]").Count));
        Assert.Contains("stays 262144 (asked 300000)", page.FindAll("[data-testid=apply-readonly]")[0].TextContent);
        Assert.Empty(page.FindAll("[data-testid=apply-error]"));
        Assert.Equal("262144", Kernel.Memory.Values["net.netfilter.nf_conntrack_max"]);
    }

    [Fact]
    public async Task The_now_panel_shows_the_table_and_bad_input_is_named()
    {
        Reader.Facts = Reader.Facts with { Count = 250_000 };
        var page = Render<CapacityPage>();

        Assert.Equal("250,000", page.Find("[data-testid=now-count]").TextContent);
        Assert.Equal("262,144", page.Find("[data-testid=now-max]").TextContent);
        Assert.Contains("95", page.Find("[data-testid=now-fill]").TextContent);
        Assert.Contains(page.FindAll("[data-testid=now-warning]"), w => w.TextContent.Contains("full", StringComparison.Ordinal));

        var budgetMode = page.FindComponents<MudRadioGroup<string>>().Single(g => g.Markup.Contains("% of RAM", StringComparison.Ordinal));
        await budgetMode.InvokeAsync(() => budgetMode.Instance.ValueChanged.InvokeAsync("absolute"));
        await SetAsync(page.FindComponents<MudNumericField<double>>().Single(f => f.Instance.Label == "Budget (MiB)"), 0.0);
        Assert.Contains("memoryBudgetBytes: the memory budget must be positive", page.Find("[data-testid=input-error]").TextContent);
    }

    private static Task SetAsync<T>(IRenderedComponent<MudNumericField<T>> field, T value) =>
        field.InvokeAsync(() => field.Instance.ValueChanged.InvokeAsync(value));

    private static Task SetAsync<T>(IRenderedComponent<MudSlider<T>> slider, T value) where T : struct, System.Numerics.INumber<T> =>
        slider.InvokeAsync(() => slider.Instance.ValueChanged.InvokeAsync(value));
}
