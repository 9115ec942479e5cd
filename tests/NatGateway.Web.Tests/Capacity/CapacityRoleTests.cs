using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using NatGateway.Data;
using NatGateway.Data.Entities;
using Xunit;
using CapacityPage = NatGateway.Web.Components.Pages.Capacity;

namespace NatGateway.Web.Tests.Capacity;

/// <summary>Everyone can plan; applying a plan is for admins, and the server checks again when Apply is confirmed.</summary>
public sealed class CapacityRoleTests : CapacityPageTestContext
{
    private static Task SetAsync<T>(IRenderedComponent<MudNumericField<T>> field, T value) =>
        field.InvokeAsync(() => field.Instance.ValueChanged.InvokeAsync(value));

    [Theory]
    [InlineData(Role.Viewer)]
    [InlineData(Role.Operator)]
    public async Task Below_admin_the_plan_is_shown_and_apply_is_disabled(Role role)
    {
        SignIn("someone", role);
        var page = Render<CapacityPage>();

        await SetAsync(page.FindComponents<MudNumericField<long>>().Single(f => f.Instance.Label == "Expected entries"), 300_000L);

        Assert.Equal("300,000", page.Find("[data-testid=recommended-max]").TextContent); // planning is for everyone
        Assert.True(page.Find("button[data-testid=apply]").HasAttribute("disabled"));
        Assert.Equal("Needs the admin role", page.Find("button[data-testid=apply]").GetAttribute("title"));
        Assert.True(page.FindComponents<MudCheckBox<bool>>().Single(c => c.Instance.Label!.StartsWith("Persist", StringComparison.Ordinal)).Instance.Disabled);
        Assert.Contains("Applying a capacity plan needs the admin role", page.Find("[data-testid=role-note]").TextContent);
    }

    [Fact]
    public async Task An_admin_who_loses_the_role_while_the_confirmation_is_open_cannot_apply()
    {
        var page = Render<CapacityPage>();
        await SetAsync(page.FindComponents<MudNumericField<long>>().Single(f => f.Instance.Label == "Expected entries"), 300_000L);
        Assert.Empty(page.FindAll("[data-testid=role-note]"));
        page.Find("button[data-testid=apply]").Click();
        page.WaitForAssertion(() => Assert.Contains("nf_conntrack_max = 300000", page.Find("[data-testid=apply-confirmation]").TextContent));

        SignIn("admin", Role.Viewer);
        page.WaitForAssertion(() => Assert.True(page.Find("button[data-testid=apply-confirm]").HasAttribute("disabled")));
        await page.InvokeAsync(() => page.Instance.ConfirmApplyAsync());

        Assert.Equal("262144", Kernel.Memory.Values["net.netfilter.nf_conntrack_max"]);
        Assert.Empty(Kernel.Memory.Writes);
        await using var db = await Services.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>().CreateDbContextAsync();
        Assert.Empty(db.SettingChanges);
        Assert.Contains(Services.GetRequiredService<ISnackbar>().ShownSnackbars,
            s => s.Message == "Refused: applying a capacity plan needs the admin role; admin has the viewer role.");
    }
}
