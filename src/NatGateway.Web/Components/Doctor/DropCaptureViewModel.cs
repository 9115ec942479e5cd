using MudBlazor;
using NatGateway.Core.Doctor;
using NatGateway.Core.Kernel;

namespace NatGateway.Web.Components.Doctor;

/// <summary>
/// What the drop capture panel shows of a finished capture: the bars of the charts (the <see cref="ChartTop"/> largest
/// reasons and locations, the rest summed into one "others" bar so the chart stays readable) and the full tables.
/// </summary>
public sealed class DropCaptureViewModel
{
    /// <summary>Bars per chart.</summary>
    public const int ChartTop = 15;

    public const string OthersLabel = "others";

    public DropCaptureViewModel(DropCaptureRun run)
    {
        Run = run;
        (ReasonLabels, ReasonSeries) = Chart(run.Capture.ByReason, "Drops by reason");
        (LocationLabels, LocationSeries) = Chart(run.Capture.ByLocation, "Drops by location");
    }

    public DropCaptureRun Run { get; }

    public DropCapture Capture => Run.Capture;

    public string[] ReasonLabels { get; }
    public List<ChartSeries<double>> ReasonSeries { get; }
    public string[] LocationLabels { get; }
    public List<ChartSeries<double>> LocationSeries { get; }

    /// <summary>The capture in one sentence ("1,234 drops in 10 s").</summary>
    public string Summary =>
        $"{Capture.Events:N0} drop{(Capture.Events == 1 ? "" : "s")} in {Capture.Duration.TotalSeconds:0.#} s, " +
        $"finished {Run.FinishedAt.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC";

    /// <summary>A count's share of all events, for the tables.</summary>
    public string Share(long count) => Capture.Events == 0 ? "" : $"{100.0 * count / Capture.Events:0.#} %";

    /// <summary>The <see cref="ChartTop"/> largest counts as bars (the input is sorted most first), the rest as one bar.</summary>
    public static (string[] Labels, List<ChartSeries<double>> Series) Chart(IReadOnlyList<DropCount> counts, string name)
    {
        var top = counts.Take(ChartTop).ToList();
        var rest = counts.Skip(ChartTop).Sum(c => c.Count);
        var labels = top.Select(c => c.Name).ToList();
        var values = top.Select(c => (double)c.Count).ToList();
        if (rest > 0)
        {
            labels.Add(OthersLabel);
            values.Add(rest);
        }
        return (labels.ToArray(), [new ChartSeries<double> { Name = name, Data = new ChartData<double>(values) }]);
    }
}
