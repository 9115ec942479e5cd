using Bunit;
using Microsoft.Extensions.DependencyInjection;
using NatGateway.Core.Kernel;
using NatGateway.Core.Rules;
using NatGateway.Nat;
using NatGateway.Web.Components.Pages;
using Xunit;

namespace NatGateway.Web.Tests;

/// <summary>Lint before apply in the Rules page's pending-changes bar: each warning with its label, rule and one-line
/// reason, gone once the host changes and the draft is read again (the in-memory kernel has no routes or addresses).</summary>
public sealed class RulesLintPageTests : PageTestContext
{
    private NatRulesService Service => Services.GetRequiredService<NatRulesService>();

    private async Task AddAsync(string json)
    {
        var parsed = NatRuleJson.Parse(json);
        Assert.True(parsed.Success);
        Assert.True((await Service.CreateAsync(parsed.Rule!, "test")).Saved);
    }

    [Fact]
    public async Task The_pending_bar_lists_lint_warnings_with_a_one_line_reason_and_drops_them_once_the_cause_is_gone()
    {
        await AddAsync("""{"kind": "dnat", "name": "web", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "8080", "targetAddress": "192.0.2.5", "targetPort": "80"}""");
        var page = Render<Rules>();
        page.WaitForAssertion(() => Assert.Equal("DnatTargetUnrouted", Assert.Single(page.FindAll("[data-testid=lint-finding]")).GetAttribute("data-kind")));
        var finding = page.Find("[data-testid=lint-finding]");
        Assert.Equal("No route to target · web: no route to 192.0.2.5: the forwarded packets have nowhere to go", finding.TextContent.Trim());
        Assert.Contains("1 lint warning", page.Find("[data-testid=lint-findings]").TextContent);

        // The cause removed (a route appears) and the draft changes: the bar reads the lint again and the warning is gone.
        Kernel.Routes.Add(new RouteInfo("192.0.2.0", 24, "10.0.0.254", "wan0"));
        await AddAsync("""{"kind": "dnat", "name": "mail", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "2525", "targetAddress": "192.0.2.6", "targetPort": "25"}""");
        page.WaitForAssertion(() => Assert.Equal("2 pending change(s) not yet in the kernel", page.Find("[data-testid=pending-summary]").TextContent));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=lint-finding]")));
    }

    [Fact]
    public async Task Many_warnings_show_three_until_the_operator_asks_for_all_so_the_sticky_bar_stays_small()
    {
        for (var i = 0; i < 5; i++)
            await AddAsync($$"""{"kind": "dnat", "name": "fwd{{i}}", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "{{8080 + i}}", "targetAddress": "192.0.2.{{5 + i}}"}""");
        var page = Render<Rules>();
        page.WaitForAssertion(() => Assert.Contains("5 lint warnings", page.Find("[data-testid=lint-findings]").TextContent));
        Assert.Equal(Rules.LintCollapsedCount, page.FindAll("[data-testid=lint-finding]").Count);
        Assert.Equal("Show all 5", page.Find("[data-testid=lint-toggle]").TextContent.Trim());

        page.Find("[data-testid=lint-toggle]").Click();
        page.WaitForAssertion(() => Assert.Equal(5, page.FindAll("[data-testid=lint-finding]").Count));
        Assert.Equal(["fwd0", "fwd1", "fwd2", "fwd3", "fwd4"],
            page.FindAll("[data-testid=lint-finding]").Select(f => f.TextContent.Split('·')[1].Split(':')[0].Trim()));
        Assert.Empty(page.FindAll("[data-testid=lint-more]"));

        page.Find("[data-testid=lint-toggle]").Click();
        page.WaitForAssertion(() => Assert.Equal(Rules.LintCollapsedCount, page.FindAll("[data-testid=lint-finding]").Count));
    }
    [Fact]
    public async Task More_warnings_than_the_bar_lists_are_counted_and_the_rest_pointed_to_the_lint_endpoint()
    {
        var extra = 5;
        var rules = Enumerable.Range(0, Rules.MaxLintShown + extra).Select(i => NatRuleJson.Parse(
            $$"""{"kind": "dnat", "name": "fwd{{i}}", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "{{8000 + i}}", "targetAddress": "192.0.2.5"}""").Rule!).ToList();
        Assert.True((await Service.SaveBatchAsync(rules, "test")).Succeeded);
        var page = Render<Rules>();
        var total = Rules.MaxLintShown + extra;
        page.WaitForAssertion(() => Assert.Contains($"{total} lint warnings", page.Find("[data-testid=lint-findings]").TextContent));
        Assert.Equal($"Show all {total}", page.Find("[data-testid=lint-toggle]").TextContent.Trim());

        page.Find("[data-testid=lint-toggle]").Click();
        page.WaitForAssertion(() => Assert.Equal(Rules.MaxLintShown, page.FindAll("[data-testid=lint-finding]").Count));
        Assert.Equal($"… and {extra} more: GET /api/v1/rules/lint lists them all", page.Find("[data-testid=lint-more]").TextContent.Trim());
    }
}
