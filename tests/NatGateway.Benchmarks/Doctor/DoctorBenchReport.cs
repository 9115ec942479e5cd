using System.Globalization;
using NatGateway.Benchmarks.Conntrack;

namespace NatGateway.Benchmarks.Doctor;

/// <summary>One row: what the user waits for (median and p95 over the rounds) beside its anchor measured in the same run.</summary>
internal sealed record DoctorRow(string Item, string Measurement, IReadOnlyList<double>? OursMs, string Anchor, IReadOnlyList<double>? AnchorMs,
    string Note = "", string? OursText = null)
{
    public string Ours => OursText ?? Figure(OursMs);
    public string AnchorFigure => AnchorMs is null ? "" : Figure(AnchorMs);
    public string Ratio => OursMs is { Count: > 0 } o && AnchorMs is { Count: > 0 } a && Statistics.Median(a) > 0
        ? Statistics.Ratio(Statistics.Median(o) / Statistics.Median(a)) : "";

    /// <summary>"median / p95" in milliseconds.</summary>
    private static string Figure(IReadOnlyList<double>? ms) => ms is not { Count: > 0 }
        ? "not measured"
        : $"{Statistics.Milliseconds(Statistics.Median(ms))} / {Statistics.Milliseconds(Statistics.Percentile(ms, 95))}";
}

/// <summary>The rows of a run, printed as one markdown table.</summary>
internal sealed class DoctorBenchReport
{
    private readonly List<DoctorRow> _rows = [];

    public void Add(DoctorRow row) => _rows.Add(row);

    public void Print(TextWriter output, string title)
    {
        output.WriteLine();
        output.WriteLine(title);
        output.WriteLine();
        output.WriteLine("| # | measurement | ours median / p95 | anchor | anchor median / p95 | ours/anchor (medians) | notes |");
        output.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var r in _rows.OrderBy(r => r.Item, StringComparer.Ordinal))
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Item} | {r.Measurement} | {r.Ours} | {r.Anchor} | {r.AnchorFigure} | {r.Ratio} | {r.Note} |"));
        output.WriteLine();
        output.WriteLine("CPU: user + system time from /proc/PID/stat (natgw: web + agent) and the shell's `times` (anchor), in 10 ms ticks, so small figures read 0.");
    }
}
