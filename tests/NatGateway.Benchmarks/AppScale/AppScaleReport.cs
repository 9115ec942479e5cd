using System.Globalization;
using NatGateway.Benchmarks.Conntrack;

namespace NatGateway.Benchmarks.AppScale;

/// <summary>
/// One line of the closing table: an operation at N rules, the app's figure (median and p95 of the samples, or a text
/// when the row has no timing), the engine-only figure measured in the same run, the goal and the verdict.
/// </summary>
internal sealed record AppScaleFigure(string Operation, int Rules, string App, double? AppMs, string Engine, double? EngineMs, string Goal, bool? Pass, string Note = "")
{
    public string Ratio => AppMs is { } a && EngineMs is { } e && e > 0 ? Statistics.Ratio(a / e) : "—";

    public string Verdict => Pass switch { true => "PASS", false => "FAIL", null => "—" };
}

/// <summary>The figures of a run, printed as a markdown table to paste into the closing note.</summary>
internal sealed class AppScaleReport
{
    private readonly List<AppScaleFigure> _figures = [];

    public void Add(AppScaleFigure figure) => _figures.Add(figure);

    /// <summary>A timed row: median and p95 of <paramref name="samplesMs"/>; the verdict on the median (or the p95 with <paramref name="judgeP95"/>) against the goal.</summary>
    public void AddTimed(string operation, int rules, IReadOnlyList<double> samplesMs, double? engineMs, string engineText, string goal, double goalMs,
        bool judgeP95 = false, string note = "")
    {
        var median = Statistics.Median(samplesMs);
        var p95 = Statistics.Percentile(samplesMs, 95);
        var judged = judgeP95 ? p95 : median;
        Add(new AppScaleFigure(operation, rules, $"{Ms(median)} / {Ms(p95)} (n={samplesMs.Count})", median, engineText, engineMs, goal, judged <= goalMs, note));
    }

    /// <summary>A row this commit cannot measure (the endpoint is missing) or a run did not reach.</summary>
    public void AddMissing(string operation, int rules, string goal, string why) =>
        Add(new AppScaleFigure(operation, rules, why, null, "—", null, goal, null));

    public static string Ms(double ms) => double.IsNaN(ms) ? "—"
        : ms >= 1000 ? (ms / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " s"
        : ms.ToString(ms < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " ms";

    public void Print(TextWriter output, string title)
    {
        output.WriteLine();
        output.WriteLine(title);
        output.WriteLine();
        output.WriteLine("| operation | rules | app: median / p95 | engine only (same run) | app/engine | goal (at 10,000) | verdict | note |");
        output.WriteLine("|---|---:|---|---|---:|---|---|---|");
        foreach (var f in _figures.OrderBy(f => f.Rules).ThenBy(f => Order(f.Operation)))
            output.WriteLine($"| {f.Operation} | {f.Rules:N0} | {f.App} | {f.Engine} | {f.Ratio} | {f.Goal} | {f.Verdict} | {f.Note} |");
    }

    private int Order(string operation) => _figures.FindIndex(f => f.Operation == operation);
}
