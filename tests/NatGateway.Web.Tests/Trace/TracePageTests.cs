using System.Net;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using NatGateway.Core.Kernel;
using NatGateway.Core.Tracing;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using Xunit;

namespace NatGateway.Web.Tests.Trace;

/// <summary>
/// The Trace page: field errors at the field, the static answer per hook (from the real static tracer over a fixed rule
/// list and host), the live trace's hops ours and foreign through a fake, a refusal shown plainly, viewers disabled.
/// </summary>
public sealed class TracePageTests : PageTestContext
{
    private static readonly DnatRule Web = new()
    {
        Name = "web", InInterfaces = ["wan0"], DestinationPort = new PortRange(8080), TargetAddress = AddressPool.Parse("10.0.0.2"), TargetPort = new PortRange(80),
    };

    private static readonly MasqueradeRule Out = new() { Name = "out", OutInterfaces = ["wan0"] };

    private static readonly TraceHost Host = new(
        [new HostInterface("lan0", [IPAddress.Parse("10.0.0.1")]), new HostInterface("wan0", [IPAddress.Parse("192.0.2.1")])],
        [new RouteInfo("10.0.0.0", 24, null, "lan0"), new RouteInfo("0.0.0.0", 0, "192.0.2.254", "wan0")], true, true);

    /// <summary>The static answer over a fixed list; the live answer from <see cref="Live"/>.</summary>
    private sealed class ListTracer : IPacketTracer
    {
        public Func<PacketProbe, TimeSpan, LiveTrace>? Live { get; set; }

        public Task<StaticTrace> ExplainAsync(PacketProbe probe, CancellationToken ct = default) =>
            Task.FromResult(StaticPacketTracer.Explain([Web, Out], probe, Host));

        public Task<LiveTrace> TraceAsync(PacketProbe probe, TimeSpan window, CancellationToken ct = default) =>
            Live is { } live ? Task.FromResult(live(probe, window)) : throw new TraceUnavailableException("live tracing is not built yet");
    }

    // A field initializer runs before the base constructor, which calls AddPageServices.
    private readonly ListTracer _tracer = new();

    protected override void AddPageServices(IServiceCollection services)
    {
        base.AddPageServices(services);
        services.AddSingleton<IPacketTracer>(_tracer);
    }

    private static void Fill(IRenderedComponent<Components.Pages.Trace> page, string iif, string src, string dst, string dport)
    {
        page.Find("#trace-iif").Change(iif);
        page.Find("#trace-source").Change(src);
        page.Find("#trace-destination").Change(dst);
        page.Find("#trace-dport").Change(dport);
    }

    [Fact]
    public void Field_errors_show_at_the_field_and_no_answer_is_shown()
    {
        var page = Render<Components.Pages.Trace>();
        Fill(page, "eth*", "198.51.100.7", "not-an-ip", "");
        page.Find("form").Submit();
        page.WaitForAssertion(() => Assert.NotNull(page.Instance.Model.ErrorOf("destination")));
        Assert.Equal("'not-an-ip' is not an IP address", page.Instance.Model.ErrorOf("destination"));
        Assert.NotNull(page.Instance.Model.ErrorOf("destinationPort"));
        Assert.NotNull(page.Instance.Model.ErrorOf("inInterface"));
        Assert.Null(page.Instance.Model.Answer);
        // At the field: the error text sits in the destination box's own input control.
        Assert.Contains("'not-an-ip' is not an IP address",
            page.FindAll(".mud-input-control").Single(c => c.QuerySelector("#trace-destination") is not null).TextContent);
        Assert.Empty(page.FindAll("[data-testid=trace-answer]"));
    }

    [Fact]
    public void The_static_answer_lists_each_hook_with_the_match_and_the_reasons()
    {
        var page = Render<Components.Pages.Trace>();
        Fill(page, "wan0", "198.51.100.7", "192.0.2.1", "8080");
        page.Find("form").Submit();
        page.WaitForElement("[data-testid=trace-answer]");

        var answer = page.Instance.Model.Answer!;
        Assert.Equal(Web.Id, answer.DestinationRuleId);
        Assert.Equal("lan0", answer.OutInterface);
        Assert.Contains("'web' (dnat): destination becomes 10.0.0.2:80", page.Find("[data-testid=trace-summary]").TextContent);
        Assert.Equal("Forwarded", page.Find("[data-testid=trace-delivery]").GetAttribute("data-delivery"));
        var pre = page.Find("[data-testid=trace-steps][data-hook=Prerouting]");
        Assert.Equal("Matched", pre.QuerySelector("[data-testid=trace-step]")!.GetAttribute("data-outcome"));
        var post = page.Find("[data-testid=trace-steps][data-hook=Postrouting]").QuerySelector("[data-testid=trace-step]")!;
        Assert.Equal("NoMatch", post.GetAttribute("data-outcome"));
        Assert.Contains("output interface lan0 ≠ wan0", post.TextContent);
    }

    [Fact]
    public void Live_trace_shows_hops_ours_and_foreign_and_a_refusal_plainly()
    {
        var page = Render<Components.Pages.Trace>();
        Fill(page, "lan0", "10.0.0.7", "203.0.113.9", "443");
        page.Find("button[data-testid=trace-live]").Click();
        page.WaitForElement("[data-testid=trace-refusal]");
        Assert.Equal("Live tracing is not available here: live tracing is not built yet.", page.Find("[data-testid=trace-refusal]").TextContent.Trim());
        Assert.Equal(Out.Id, page.Instance.Model.Answer!.SourceRuleId);

        // Busy (another trace holds the one slot) reads as "not started", not as "not available here".
        _tracer.Live = (_, _) => throw new TraceUnavailableException("a live trace is already running; only one runs at a time", TraceRefusal.Busy);
        page.Find("button[data-testid=trace-live]").Click();
        page.WaitForAssertion(() => Assert.Equal("Not started: a live trace is already running; only one runs at a time.",
            page.Find("[data-testid=trace-refusal]").TextContent.Trim()));

        TimeSpan? window = null;
        _tracer.Live = (probe, w) =>
        {
            window = w;
            return new LiveTrace(probe, w, [new TracedPacket(1, "lan0", "wan0", [
                new TraceHop("inet", "filter", "forward", TraceEventKind.Policy, null, null, TraceVerdict.Accept, null, false, null),
                new TraceHop("ip", "natgw", "postrouting", TraceEventKind.Rule, 4, "oifname \"wan0\" masquerade", TraceVerdict.Accept, null, true, Out.Id)])], false);
        };
        page.Find("button[data-testid=trace-live]").Click();
        page.WaitForElement("[data-testid=trace-live-result]");
        Assert.Equal(TimeSpan.FromSeconds(10), window);
        Assert.Empty(page.FindAll("[data-testid=trace-refusal]"));
        var hops = page.FindAll("[data-testid=trace-hop]");
        Assert.Equal(["foreign", "ours"], hops.Select(h => h.GetAttribute("data-table")!).ToArray());
        Assert.Contains("foreign", hops[0].TextContent);
        Assert.Contains("(chain policy)", hops[0].TextContent);
        Assert.Contains("rule 'out'", hops[1].TextContent);
        Assert.Equal("out", page.Instance.Model.Live!.Packets[0].Hops[1].RuleName);
    }

    [Fact]
    public void A_viewer_cannot_trace()
    {
        SignIn("victor", Role.Viewer);
        var page = Render<Components.Pages.Trace>();
        page.WaitForAssertion(() => Assert.True(page.Find("button[data-testid=trace-explain]").HasAttribute("disabled")));
        Assert.True(page.Find("button[data-testid=trace-live]").HasAttribute("disabled"));
        Assert.NotNull(page.Find("[data-testid=role-note]"));
    }
}
