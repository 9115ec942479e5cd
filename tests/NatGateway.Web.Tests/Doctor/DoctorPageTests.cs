using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using NatGateway.Core.Doctor;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Web.Components.Pages;
using Xunit;
using static NatGateway.Web.Tests.Doctor.FakeDoctorReports;

namespace NatGateway.Web.Tests.Doctor;

/// <summary>The Doctor page (issue 13): groups worst first, role gating of fixes, the fix dialog through DoctorFixService,
/// history paging, charts from the conntrack facts, and the dashboard's problem count.</summary>
public sealed class DoctorPageTests : PageTestContext
{
    private static readonly DoctorFix Forwarding = new(FixKind.EnableForwarding, "Turn IPv4 forwarding on", "sets net.ipv4.ip_forward = 1",
        new FixTarget { Family = NatFamily.Ipv4 });

    private static DoctorReport Sample() => new(DateTimeOffset.UtcNow,
    [
        Check(CheckId.Softnet, CheckArea.Cpu, CheckStatus.Ok),
        Check(CheckId.HashTable, CheckArea.Conntrack, CheckStatus.NotApplicable),
        Check(CheckId.SnatPorts, CheckArea.Nat, CheckStatus.Ok),
        Check(CheckId.Mtu, CheckArea.Nat, CheckStatus.Warning),
        Check(CheckId.ForwardingOff, CheckArea.Routing, CheckStatus.Critical, Forwarding),
    ]);

    [Fact]
    public void Checks_are_grouped_by_area_worst_group_first_and_worst_check_first_with_evidence_and_charts()
    {
        DoctorReports.Latest = Sample();
        var page = Render<Components.Pages.Doctor>();

        page.WaitForAssertion(() => Assert.Equal(["Routing", "Nat", "Cpu", "Conntrack"],
            page.FindAll("[data-testid=check-group]").Select(g => g.GetAttribute("data-area")!).ToArray()));
        var model = page.Instance.Model;
        Assert.Equal([CheckArea.Routing, CheckArea.Nat, CheckArea.Cpu, CheckArea.Conntrack], model.Groups.Select(g => g.Area).ToArray());
        Assert.Equal([CheckId.Mtu, CheckId.SnatPorts], model.Groups[1].Checks.Select(c => c.Id).ToArray());
        Assert.Equal(CheckStatus.Warning, model.Groups[1].Worst);
        Assert.Equal(2, model.Problems);
        var forwarding = page.Find("[data-check=forwarding-off]");
        Assert.Equal("Critical", forwarding.GetAttribute("data-status"));
        Assert.Contains("ForwardingOff value", forwarding.QuerySelector("[data-testid=evidence]")!.TextContent);
        Assert.Contains("why ForwardingOff", forwarding.TextContent);
        Assert.Equal("Turn IPv4 forwarding on", page.Find("button[data-testid=fix]").TextContent.Trim());
        Assert.NotNull(page.Find("a[data-testid=drops-link]"));

        // Charts: per translated address its fullest destination; entries by state, most first.
        Assert.Equal([("192.0.2.1", 95.0), ("192.0.2.2", 25.0)], model.SnatPortUse.Select(b => (b.Label, b.Value)).ToArray());
        Assert.Equal(["TIME_WAIT", "ESTABLISHED"], model.States.Select(b => b.Label).ToArray());
        Assert.Contains("95 %", page.Find("[data-testid=snat-bars]").TextContent);
    }

    [Fact]
    public void A_new_report_from_the_monitor_replaces_the_shown_one_and_the_page_unsubscribes_when_it_goes()
    {
        var page = Render<Components.Pages.Doctor>();
        page.WaitForElement("[data-testid=doctor-empty]");
        Assert.Equal(1, DoctorReports.Subscribers);
        page.InvokeAsync(() => DoctorReports.Publish(Sample()));
        page.WaitForAssertion(() => Assert.Equal(5, page.FindAll("[data-testid=check]").Count));
        page.InvokeAsync(() => page.Instance.Dispose());
        Assert.Equal(0, DoctorReports.Subscribers);
    }

    [Fact]
    public void A_viewer_sees_the_fix_disabled_with_a_note()
    {
        SignIn("victor", Role.Viewer);
        DoctorReports.Latest = Sample();
        var page = Render<Components.Pages.Doctor>();
        page.WaitForAssertion(() => Assert.True(page.Find("button[data-testid=fix]").HasAttribute("disabled")));
        Assert.Contains("needs the admin role", page.Find("[data-testid=fix-needs-role]").TextContent);
        Assert.NotNull(page.Find("[data-testid=role-note]"));
    }

    [Fact]
    public async Task The_fix_dialog_says_what_changes_and_applies_it_as_a_pending_revision()
    {
        // A port forward in force with forwarding off: the real check offers the real fix.
        var rules = Services.GetRequiredService<NatRulesService>();
        var revisions = Services.GetRequiredService<RevisionService>();
        await rules.CreateAsync(NatRuleJson.Parse("""{"kind": "dnat", "name": "web", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "8080", "targetAddress": "10.0.0.2"}""").Rule!, "test");
        await revisions.ApplyRulesAsync(null, "test");
        var doctor = Services.GetRequiredService<DoctorService>();
        DoctorReports.Latest = await doctor.RunAsync();
        DoctorReports.Run = ct => doctor.RunAsync(null, ct);

        var dialogs = Render<MudDialogProvider>();
        var page = Render<Components.Pages.Doctor>();
        page.WaitForAssertion(() => Assert.Equal("Critical", page.Find("[data-check=forwarding-off]").GetAttribute("data-status")));
        await page.InvokeAsync(() => page.Find("button[data-testid=fix]").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("must be confirmed within 60 s", dialogs.Markup));
        Assert.Equal("0", Kernel.Memory.Values["net.ipv4.ip_forward"]); // nothing before the dialog is answered
        await dialogs.InvokeAsync(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Apply fix").Click());

        page.WaitForAssertion(() => Assert.Equal("1", Kernel.Memory.Values["net.ipv4.ip_forward"]));
        // The sysctl is written before the revision is recorded as pending (ApplyPipeline: settings, then commit): a loaded
        // run read "none pending" between the two. Poll for the commit, with a deadline.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var pending = await revisions.PendingAsync();
        while (pending is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
            pending = await revisions.PendingAsync();
        }
        Assert.NotNull(pending);
        Assert.Equal("admin", (await revisions.GetAsync(pending.RevisionId))!.Author);
        // The page ran the checks again: forwarding is fine now.
        page.WaitForAssertion(() => Assert.Equal("Ok", page.Find("[data-check=forwarding-off]").GetAttribute("data-status")));
    }

    [Fact]
    public async Task The_page_embeds_the_drop_capture_panel_with_the_latest_capture_and_the_menu_has_one_doctor_entry()
    {
        Kernel.FakeDiagnostics.Capture = new NatGateway.Core.Kernel.DropCapture(TimeSpan.FromSeconds(1), 7, false,
            [new("NETFILTER_DROP", 7)], [new("nft_do_chain", 7)]);
        await Services.GetRequiredService<DropCaptureService>().CaptureAsync(DropCaptureService.MinSeconds);
        DoctorReports.Latest = Sample();
        var page = Render<Components.Pages.Doctor>();

        // The panel sits in the page's slot and shows the latest capture anyone ran; /doctor/drops stays linked.
        page.WaitForAssertion(() => Assert.Contains("NETFILTER_DROP", page.Find("[data-testid=doctor-drops] [data-testid=drop-reasons]").TextContent));
        Assert.Single(page.FindComponents<Components.Doctor.DropCapturePanel>());
        Assert.NotNull(page.Find("[data-testid=doctor-drops] button[data-testid=drop-capture-start]"));
        Assert.Equal("doctor/drops", page.Find("a[data-testid=drops-link]").GetAttribute("href"));

        var menu = Render<Components.Layout.NavMenu>();
        Assert.Equal(["doctor"], menu.FindAll("a").Where(a => a.TextContent.Contains("Doctor", StringComparison.Ordinal))
            .Select(a => a.GetAttribute("href")!).ToArray());
    }

    [Fact]
    public void The_history_is_paged()
    {
        var t = DateTimeOffset.UtcNow;
        for (var i = 1; i <= 45; i++)
            DoctorReports.History.Add(new DoctorStatusChange { Id = i, Check = CheckId.Mtu, From = CheckStatus.Ok, To = CheckStatus.Warning, Summary = $"change {i}", At = t.AddSeconds(i) });
        var page = Render<Components.Pages.Doctor>();
        page.WaitForAssertion(() => Assert.Equal(20, page.FindAll("[data-testid=history-row]").Count));
        Assert.Contains("change 45", page.FindAll("[data-testid=history-row]")[0].TextContent);
        Assert.Contains("45 change(s)", page.Find("[data-testid=history-count]").TextContent);
        Assert.Equal(3, page.Instance.Model.HistoryPageCount);

        page.InvokeAsync(() => page.Instance.Model.GoToHistoryPageAsync(3));
        page.Render();
        page.WaitForAssertion(() => Assert.Equal(5, page.FindAll("[data-testid=history-row]").Count));
        Assert.Contains("change 5", page.FindAll("[data-testid=history-row]")[0].TextContent);
        Assert.Contains("change 1", page.FindAll("[data-testid=history-row]")[4].TextContent);
    }

    [Fact]
    public void The_dashboard_counts_warnings_and_critical_checks_and_links_to_the_doctor()
    {
        var page = Render<Home>();
        page.WaitForAssertion(() => Assert.Contains("not checked yet", page.Find("[data-testid=doctor-problems]").TextContent));
        page.InvokeAsync(() => DoctorReports.Publish(Sample()));
        page.WaitForAssertion(() =>
        {
            var link = page.Find("[data-testid=doctor-problem-count]");
            Assert.Equal("2", link.GetAttribute("data-count"));
            Assert.Contains("2 problems", link.TextContent);
            Assert.Equal("doctor", link.GetAttribute("href"));
        });
    }
}
