using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using NatGateway.Core.Access;
using NatGateway.Data;
using NatGateway.Data.Entities;
using Xunit;
using AuditPage = NatGateway.Web.Components.Pages.Audit;

namespace NatGateway.Web.Tests.Audit;

public sealed class AuditPageTests : AppTestContext
{
    protected override void AddPageServices(IServiceCollection services) =>
        services.AddSingleton(sp => new AuditLog(sp.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>(), TimeProvider.System,
            NullLogger<AuditLog>.Instance));

    /// <summary>60 entries by alice (succeeded, one a minute) and 3 denials of anonymous, all on 2026-03-01/02.</summary>
    private async Task SeedAsync()
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>().CreateDbContextAsync();
        var start = new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 60; i++)
            db.AuditLog.Add(new AuditEntry { At = start.AddMinutes(i), Actor = "alice", Address = "10.0.0.5", Action = $"POST /api/v1/rules/apply#{i}", Result = AuditResult.Succeeded, Detail = "status 200" });
        for (var i = 0; i < 3; i++)
            db.AuditLog.Add(new AuditEntry { At = start.AddDays(1).AddMinutes(i), Actor = "anonymous", Address = "10.0.0.9", Action = "PUT /api/v1/settings", Result = AuditResult.Denied, Detail = "status 401" });
        await db.SaveChangesAsync();
    }

    private static IReadOnlyList<string> Column(IRenderedComponent<AuditPage> page, string testId) =>
        page.FindAll($"[data-testid={testId}]").Select(e => e.TextContent.Trim()).ToList();

    private static AngleSharp.Dom.IElement ActorInput(IRenderedComponent<AuditPage> page) =>
        page.FindComponents<MudTextField<string>>().Single(f => f.Instance.Label == "Actor").Find("input");

    [Fact]
    public async Task Shows_the_newest_entries_first_and_pages_on_the_server()
    {
        await SeedAsync();
        var page = Render<AuditPage>();

        page.WaitForAssertion(() =>
        {
            var actors = Column(page, "audit-row-actor");
            Assert.Equal(50, actors.Count);
            Assert.Equal(["anonymous", "anonymous", "anonymous", "alice"], actors.Take(4));
            Assert.Equal("POST /api/v1/rules/apply#59", Column(page, "audit-row-action")[3]);
        });

        var table = page.FindComponent<MudTable<AuditEntry>>();
        await page.InvokeAsync(() => table.Instance.NavigateTo(Page.Next));

        // Page 2 holds the 13 oldest entries: alice's #12 down to #0.
        page.WaitForAssertion(() =>
        {
            var actions = Column(page, "audit-row-action");
            Assert.Equal(13, actions.Count);
            Assert.Equal("POST /api/v1/rules/apply#12", actions[0]);
            Assert.Equal("POST /api/v1/rules/apply#0", actions[^1]);
        });
    }

    [Fact]
    public async Task Filters_by_actor_result_and_day()
    {
        await SeedAsync();
        var page = Render<AuditPage>();
        page.WaitForAssertion(() => Assert.Equal(50, Column(page, "audit-row-actor").Count));

        var result = page.FindComponent<MudSelect<AuditResult?>>();
        await page.InvokeAsync(() => result.Instance.ValueChanged.InvokeAsync(AuditResult.Denied));
        page.WaitForAssertion(() =>
        {
            Assert.Equal(["anonymous", "anonymous", "anonymous"], Column(page, "audit-row-actor"));
            Assert.All(Column(page, "audit-row-result"), r => Assert.Equal("Denied", r));
        });

        // Actor text (debounced) narrows further: nobody named alice was denied.
        ActorInput(page).Input("alice");
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=audit-empty]")));

        await page.InvokeAsync(() => result.Instance.ValueChanged.InvokeAsync(null));
        page.WaitForAssertion(() => Assert.Equal(50, Column(page, "audit-row-actor").Count(a => a == "alice")));

        // The day range: "to" 2026-03-01 takes the whole day (alice's 60), "from" 2026-03-02 only the next day's denials.
        var pickers = page.FindComponents<MudDatePicker>();
        await page.InvokeAsync(() => pickers[0].Instance.DateChanged.InvokeAsync(new DateTime(2026, 3, 2)));
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=audit-empty]")));
        ActorInput(page).Input("");
        page.WaitForAssertion(() => Assert.Equal(["anonymous", "anonymous", "anonymous"], Column(page, "audit-row-actor")));
        await page.InvokeAsync(() => pickers[0].Instance.DateChanged.InvokeAsync(null));
        await page.InvokeAsync(() => pickers[1].Instance.DateChanged.InvokeAsync(new DateTime(2026, 3, 1)));
        page.WaitForAssertion(() =>
        {
            Assert.Equal(50, Column(page, "audit-row-actor").Count);
            Assert.DoesNotContain("anonymous", Column(page, "audit-row-actor"));
        });
    }
}
