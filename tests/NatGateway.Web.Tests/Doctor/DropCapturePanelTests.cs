using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using NatGateway.Core.Doctor;
using NatGateway.Core.Kernel;
using NatGateway.Data.Entities;
using NatGateway.Web.Components.Doctor;
using Xunit;

namespace NatGateway.Web.Tests.Doctor;

/// <summary>The drop capture panel with the kernel double's capture (FakeHostDiagnostics): progress while it runs,
/// then bar charts (top 15 and "others") and tables; viewers cannot start one, and the server checks the role again.</summary>
public sealed class DropCapturePanelTests : AppTestContext
{
    protected override void AddPageServices(IServiceCollection services) => services.AddSingleton<DropCaptureService>();

    /// <summary>2 reasons and 20 locations: the location chart shows 15 bars and one "others".</summary>
    private static readonly DropCapture Sample = new(TimeSpan.FromSeconds(3), 230, false,
        [new("NETFILTER_DROP", 200), new("IP_RPFILTER", 30)],
        Enumerable.Range(0, 20).Select(i => new DropCount($"fn{i:00}", i < 10 ? 20 : 6)).ToList());

    [Fact]
    public async Task An_operator_captures_and_sees_progress_then_charts_and_tables()
    {
        SignIn("op", Role.Operator);
        using var release = new ManualResetEventSlim();
        TimeSpan? asked = null;
        Kernel.FakeDiagnostics.CaptureBy = d => { asked = d; release.Wait(TimeSpan.FromSeconds(60)); return Sample; };
        var panel = Render<DropCapturePanel>();
        Assert.Empty(panel.FindAll("[data-testid=role-note]"));
        var seconds = panel.FindComponents<MudNumericField<int>>().Single();
        await seconds.InvokeAsync(() => seconds.Instance.ValueChanged.InvokeAsync(3));

        panel.Find("button[data-testid=drop-capture-start]").Click();
        panel.WaitForAssertion(() => Assert.Contains("Capturing", panel.Find("[data-testid=drop-progress]").TextContent));
        Assert.True(panel.Find("button[data-testid=drop-capture-start]").HasAttribute("disabled"));

        release.Set();
        panel.WaitForAssertion(() => Assert.Contains("230 drops in 3 s", panel.Find("[data-testid=drop-summary]").TextContent));
        Assert.Equal(TimeSpan.FromSeconds(3), asked);
        Assert.Empty(panel.FindAll("[data-testid=drop-progress]"));
        var model = panel.Instance.Model!;
        Assert.Equal(["NETFILTER_DROP", "IP_RPFILTER"], model.ReasonLabels);
        Assert.Equal(DropCaptureViewModel.ChartTop + 1, model.LocationLabels.Length);
        Assert.Equal(DropCaptureViewModel.OthersLabel, model.LocationLabels[^1]);
        Assert.Equal(5 * 6, model.LocationSeries.Single().Data[DropCaptureViewModel.ChartTop].Y); // the five smallest, summed
        Assert.Equal(2, panel.FindComponents<MudChart<double>>().Count);
        var reasons = panel.FindAll("[data-testid=drop-reasons] tbody tr");
        Assert.Equal(2, reasons.Count);
        Assert.Contains("NETFILTER_DROP", reasons[0].TextContent);
        Assert.Contains("87", reasons[0].TextContent); // 200 of 230
        Assert.Equal(20, panel.FindAll("[data-testid=drop-locations] tbody tr").Count);
    }

    [Fact]
    public async Task A_viewer_cannot_capture_and_the_server_checks_the_role_again()
    {
        Kernel.FakeDiagnostics.Capture = Sample;
        var panel = Render<DropCapturePanel>(); // an admin at first
        Assert.False(panel.Find("button[data-testid=drop-capture-start]").HasAttribute("disabled"));

        SignIn("someone", Role.Viewer);
        panel.Render();
        Assert.True(panel.Find("button[data-testid=drop-capture-start]").HasAttribute("disabled"));
        Assert.Equal("Needs the operator role", panel.Find("button[data-testid=drop-capture-start]").GetAttribute("title"));
        Assert.Contains("Capturing packet drops needs the operator role", panel.Find("[data-testid=role-note]").TextContent);

        await panel.InvokeAsync(() => panel.Instance.CaptureAsync()); // as a stale circuit would
        Assert.Null(Services.GetRequiredService<DropCaptureService>().Latest);
        Assert.Contains(Services.GetRequiredService<ISnackbar>().ShownSnackbars,
            s => s.Message == "Refused: capturing packet drops needs the operator role; someone has the viewer role.");
    }

    [Fact]
    public void Where_the_kernel_cannot_capture_the_reason_is_shown()
    {
        Kernel.FakeDiagnostics.CaptureBy = _ => throw new NotSupportedException("tracefs is not available: test reason");
        var panel = Render<DropCapturePanel>();
        panel.Find("button[data-testid=drop-capture-start]").Click();
        panel.WaitForAssertion(() => Assert.Equal("Drop capture is not available on this host: tracefs is not available: test reason.",
            panel.Find("[data-testid=drop-error]").TextContent.Trim()));
        Assert.Null(panel.Instance.Model);
    }
}
