using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using NatGateway.Core.Revisions;
using NatGateway.Data;
using NatGateway.Data.Entities;
using NatGateway.Web.Components.Pages;
using Xunit;

namespace NatGateway.Web.Tests;

/// <summary>The History page pages revisions on the server (RevisionService.PageAsync), 50 a page by default.</summary>
public sealed class HistoryPageTests : PageTestContext
{
    protected override void AddPageServices(IServiceCollection services)
    {
        base.AddPageServices(services);
        services.AddSingleton(sp => new ConfirmationWatchdog(sp.GetRequiredService<RevisionService>(), TimeProvider.System, NullLogger<ConfirmationWatchdog>.Instance));
    }

    private async Task SeedAsync(int count)
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>().CreateDbContextAsync();
        var at = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 1; i <= count; i++)
            db.Revisions.Add(new Revision
            {
                CreatedAt = at.AddMinutes(i), Author = "test", Comment = $"change {i}", Kind = RevisionKind.Apply, State = RevisionState.Applied,
                RulesDocument = "[]", RulesetJson = "{}", RulesetText = "", Diff = "",
            });
        await db.SaveChangesAsync();
    }

    private static long[] Ids(IRenderedComponent<History> page) =>
        page.FindAll("[data-testid=revision-id]").Select(c => long.Parse(c.TextContent)).ToArray();

    [Fact]
    public async Task Shows_one_page_of_50_newest_first_and_the_next_page_on_demand()
    {
        await SeedAsync(120);

        var page = Render<History>();

        page.WaitForAssertion(() => Assert.Equal(Enumerable.Range(71, 50).Reverse().Select(i => (long)i), Ids(page)), TimeSpan.FromSeconds(30));
        Assert.Contains("of 120", page.Find("[data-testid=revisions-pager]").TextContent);

        var table = page.FindComponent<MudTable<RevisionSummary>>();
        await page.InvokeAsync(() => table.Instance.NavigateTo(Page.Last));
        page.WaitForAssertion(() => Assert.Equal(Enumerable.Range(1, 20).Reverse().Select(i => (long)i), Ids(page)), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_long_revision_shows_500_lines_and_more_on_demand()
    {
        await using (var db = await Services.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>().CreateDbContextAsync())
        {
            db.Revisions.Add(new Revision
            {
                CreatedAt = DateTimeOffset.UnixEpoch, Author = "test", Kind = RevisionKind.Apply, State = RevisionState.Applied,
                RulesDocument = "[]", RulesetJson = "{}", Diff = "",
                RulesetText = string.Concat(Enumerable.Range(1, 1200).Select(i => $"element {i}\n")),
            });
            await db.SaveChangesAsync();
        }
        var page = Render<History>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=revision-id]")), TimeSpan.FromSeconds(30));

        page.FindAll("button").First(b => b.TextContent.Trim() == "View").Click();

        page.WaitForAssertion(() => Assert.Contains("element 480", page.Find("[data-testid=revision-detail-text]").TextContent), TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("element 600", page.Find("[data-testid=revision-detail-text]").TextContent);
        Assert.Contains($"{History.DetailStep} of", page.Find("[data-testid=detail-shown]").TextContent);
        page.Find("[data-testid=show-more]").Click();
        page.WaitForAssertion(() => Assert.Contains("element 900", page.Find("[data-testid=revision-detail-text]").TextContent), TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("element 1100", page.Find("[data-testid=revision-detail-text]").TextContent);
        page.Find("[data-testid=show-all]").Click();
        page.WaitForAssertion(() => Assert.Contains("element 1200", page.Find("[data-testid=revision-detail-text]").TextContent), TimeSpan.FromSeconds(30));
        Assert.Empty(page.FindAll("[data-testid=show-more]"));
    }
}
