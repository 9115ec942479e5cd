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
        Assert.All(db.SettingChanges, c => Assert.Equal("admin", c.ChangedBy));
    }

    [Fact]
    public async Task Inside_a_namespace_apply_is_disabled_when_only_max_and_buckets_would_change_and_the_reason_is_printed_once()
    {
        Kernel.Memory.ReadOnly.Add("net.netfilter.nf_conntrack_max");
        Kernel.Memory.ReadOnly.Add("net.netfilter.nf_conntrack_buckets");
        var page = Render<CapacityPage>();
        await SetAsync(page.FindComponents<MudNumericField<long>>().Single(f => f.Instance.Label == "Expected entries"), 300_000L);
        Assert.Contains("initial network namespace", page.Find("[data-testid=now-readonly]").TextContent);

        Assert.True(page.Find("button[data-testid=apply]").HasAttribute("disabled"));
        Assert.Contains("Nothing to change here: net.netfilter.nf_conntrack_max, net.netfilter.nf_conntrack_buckets are read-only",
            page.Find("[data-testid=apply-blocked]").TextContent);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(page.Markup, "initial network namespace"));
        Assert.Equal(0, await RevisionCountAsync());

        // Persisting the values in force is still something to do: allowed, and it records no revision either.
        var persist = page.FindComponents<MudCheckBox<bool>>().Single(c => c.Instance.Label!.StartsWith("Persist", StringComparison.Ordinal));
        await persist.InvokeAsync(() => persist.Instance.ValueChanged.InvokeAsync(true));
        page.Find("button[data-testid=apply]").Click();
        page.WaitForAssertion(() => Assert.Contains("No kernel value changes", page.Find("[data-testid=apply-confirmation]").TextContent));
        Assert.Contains("read-only here (see Now above)", page.Find("[data-testid=apply-readonly-note]").TextContent);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(page.Markup, "initial network namespace"));
        page.Find("button[data-testid=apply-confirm]").Click();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=apply-readonly]").Count));
        Assert.Contains("stays 262144 (asked 300000)", page.FindAll("[data-testid=apply-readonly]")[0].TextContent);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(page.Markup, "initial network namespace"));
        Assert.Empty(page.FindAll("[data-testid=apply-error]"));
        Assert.Equal("262144", Kernel.Memory.Values["net.netfilter.nf_conntrack_max"]);
        Assert.True(File.Exists(Path.Combine(DataDirectory, "sysctl.d", "91-natgw-conntrack.conf")));
        Assert.Equal(0, await RevisionCountAsync());
    }

    [Fact]
    public async Task Apply_is_disabled_when_the_recommendation_is_in_force_already()
    {
        var page = Render<CapacityPage>();
        // 262,144 expected entries at load factor 1: max and buckets 262,144, what the kernel has.
        await SetAsync(page.FindComponents<MudNumericField<long>>().Single(f => f.Instance.Label == "Expected entries"), 262_144L);
        Assert.Equal("262,144", page.Find("[data-testid=recommended-max]").TextContent);
        Assert.Equal("262,144", page.Find("[data-testid=recommended-buckets]").TextContent);

        Assert.True(page.Find("button[data-testid=apply]").HasAttribute("disabled"));
        Assert.Contains("Nothing to change: the recommended values are in force already.", page.Find("[data-testid=apply-blocked]").TextContent);

        await SetAsync(page.FindComponents<MudNumericField<long>>().Single(f => f.Instance.Label == "Expected entries"), 300_000L);
        Assert.False(page.Find("button[data-testid=apply]").HasAttribute("disabled"));
        Assert.Empty(page.FindAll("[data-testid=apply-blocked]"));
        Assert.Equal(0, await RevisionCountAsync());
    }

    [Fact]
    public async Task Every_bad_value_is_an_error_at_its_field_all_at_once_and_nothing_is_clamped()
    {
        var page = Render<CapacityPage>();
        var entries = page.FindComponents<MudNumericField<long>>().Single(f => f.Instance.Label == "Expected entries");
        await SetAsync(entries, -5L);
        var budgetMode = page.FindComponents<MudRadioGroup<string>>().Single(g => g.Markup.Contains("% of RAM", StringComparison.Ordinal));
        await budgetMode.InvokeAsync(() => budgetMode.Instance.ValueChanged.InvokeAsync("absolute"));
        var budget = page.FindComponents<MudNumericField<double>>().Single(f => f.Instance.Label == "Budget (MiB)");
        await SetAsync(budget, -1.0);
        var addresses = page.FindComponents<MudNumericField<int>>().Single(f => f.Instance.Label == "Addresses");
        await SetAsync(addresses, 0);
        var ports = page.FindComponents<MudTextField<string>>().Single(f => f.Instance.Label == "Port range");
        await ports.InvokeAsync(() => ports.Instance.ValueChanged.InvokeAsync("70000-80000"));

        // Each value stays as typed, each field names its own problem, and there is no plan (so nothing to apply).
        Assert.Equal("-5", entries.Find("input").GetAttribute("value"));
        Assert.NotEmpty(ErrorAt(entries));
        Assert.Equal("expected entries cannot be negative", ErrorAt(entries));
        Assert.Contains("expected entries cannot be negative", entries.Markup);
        Assert.Equal("-1", budget.Find("input").GetAttribute("value"));
        Assert.Equal("the memory budget must be positive", ErrorAt(budget));
        Assert.Equal("0", addresses.Find("input").GetAttribute("value"));
        Assert.Equal("at least one translated address", ErrorAt(addresses));
        Assert.NotEmpty(ErrorAt(ports));
        Assert.Contains("1024-65535", ErrorAt(ports));
        Assert.Contains("4 fields marked in red", page.Find("[data-testid=input-error]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=recommended-max]"));
        Assert.True(page.Find("button[data-testid=apply]").HasAttribute("disabled"));

        // A budget of 0 is an error too, not 1 MiB.
        await SetAsync(budget, 0.0);
        Assert.Equal("0", budget.Find("input").GetAttribute("value"));
        Assert.Equal("the memory budget must be positive", ErrorAt(budget));

        // Out of range: the error stands at the field, not above the results.
        await SetAsync(entries, 3_000_000_000L);
        Assert.Contains("32-bit", ErrorAt(entries));
        await SetAsync(budget, 256.0);
        await SetAsync(addresses, 1);
        await ports.InvokeAsync(() => ports.Instance.ValueChanged.InvokeAsync(""));
        Assert.Contains("Correct the field marked in red", page.Find("[data-testid=input-error]").TextContent);
        Assert.True(page.Find("button[data-testid=apply]").HasAttribute("disabled"));

        await SetAsync(entries, 300_000L);
        Assert.Empty(ErrorAt(entries));
        Assert.Empty(page.FindAll("[data-testid=input-error]"));
        Assert.Equal("300,000", page.Find("[data-testid=recommended-max]").TextContent);
        Assert.False(page.Find("button[data-testid=apply]").HasAttribute("disabled"));
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
        Assert.Equal("the memory budget must be positive", ErrorAt(page.FindComponents<MudNumericField<double>>().Single(f => f.Instance.Label == "Budget (MiB)")));
    }

    /// <summary>The error text a field shows under itself (empty when it has none).</summary>
    private static string ErrorAt<TComponent>(IRenderedComponent<TComponent> field) where TComponent : Microsoft.AspNetCore.Components.IComponent =>
        field.FindAll("p.mud-input-error, .mud-input-helper-text.mud-input-error").Select(e => e.TextContent.Trim()).FirstOrDefault(t => t.Length > 0) ?? "";

    private async Task<int> RevisionCountAsync()
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>().CreateDbContextAsync();
        return await db.Revisions.CountAsync();
    }

    private static Task SetAsync<T>(IRenderedComponent<MudNumericField<T>> field, T value) =>
        field.InvokeAsync(() => field.Instance.ValueChanged.InvokeAsync(value));

    private static Task SetAsync<T>(IRenderedComponent<MudSlider<T>> slider, T value) where T : struct, System.Numerics.INumber<T> =>
        slider.InvokeAsync(() => slider.Instance.ValueChanged.InvokeAsync(value));
}
