using Bunit;
using NatGateway.Data.Entities;
using Xunit;
using ConntrackPage = NatGateway.Web.Components.Pages.Conntrack;

namespace NatGateway.Web.Tests.Conntrack;

/// <summary>Deleting connections is for operators (and admins); a viewer sees the flows and disabled delete buttons.</summary>
public sealed class ConntrackRoleTests : ConntrackPageTestContext
{
    public ConntrackRoleTests()
    {
        for (var i = 1; i <= 10; i++) Table.Add(FakeConntrackTable.Udp($"10.0.0.{i}", (ushort)(20000 + i), "192.0.2.53", 53));
    }

    private IRenderedComponent<ConntrackPage> RenderPage()
    {
        var page = Render<ConntrackPage>();
        page.WaitForAssertion(() => Assert.Equal(10, page.FindAll("[data-testid=flow-row]").Count));
        return page;
    }

    [Fact]
    public void A_viewer_sees_the_flows_with_the_delete_buttons_disabled_and_a_note()
    {
        SignIn("viewer1", Role.Viewer);
        var page = RenderPage();

        page.FindAll("[data-testid=flows] tbody input[type=checkbox]")[0].Change(true);

        page.WaitForAssertion(() => Assert.Contains("(1)", page.Find("[data-testid=delete-selected]").TextContent));
        Assert.True(page.Find("button[data-testid=delete-selected]").HasAttribute("disabled"));
        Assert.True(page.Find("button[data-testid=delete-matching]").HasAttribute("disabled"));
        Assert.Equal("Needs the operator role", page.Find("button[data-testid=delete-matching]").GetAttribute("title"));
        Assert.Contains("Deleting connections needs the operator role", page.Find("[data-testid=role-note]").TextContent);
    }

    [Theory]
    [InlineData(Role.Operator)]
    [InlineData(Role.Admin)]
    public void An_operator_or_admin_can_delete(Role role)
    {
        SignIn("someone", role);
        var page = RenderPage();

        page.FindAll("[data-testid=flows] tbody input[type=checkbox]")[0].Change(true);

        page.WaitForAssertion(() => Assert.False(page.Find("button[data-testid=delete-selected]").HasAttribute("disabled")));
        Assert.False(page.Find("button[data-testid=delete-matching]").HasAttribute("disabled"));
        Assert.Empty(page.FindAll("[data-testid=role-note]"));
    }

    [Fact]
    public async Task Delete_handlers_reached_by_a_viewer_delete_nothing_and_say_why()
    {
        SignIn("viewer1", Role.Viewer);
        var page = RenderPage();
        page.FindAll("[data-testid=flows] tbody input[type=checkbox]")[0].Change(true);
        page.WaitForAssertion(() => Assert.Contains("(1)", page.Find("[data-testid=delete-selected]").TextContent));

        await page.InvokeAsync(() => page.Instance.DeleteSelected());
        await page.InvokeAsync(() => page.Instance.DeleteMatching());

        Assert.Equal(10, Table.Entries);
        Assert.Contains(Services.GetService<MudBlazor.ISnackbar>()!.ShownSnackbars,
            s => s.Message == "Refused: deleting connections needs the operator role; viewer1 has the viewer role.");
    }
}
