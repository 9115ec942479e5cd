namespace NatGateway.Benchmarks.Conntrack;

/// <summary>One line of the final table: a figure, its anchor, ours / anchor, and the target with its verdict (if any).</summary>
internal sealed record ReportRow(string Item, string Measurement, string Ours, string Anchor, string Ratio, string Target, bool? Met, string CpuRatio = "")
{
    public string Verdict => Met switch { true => "PASS", false => "FAIL", null => "" };
}

/// <summary>Collects rows as the measurements finish and prints them as one aligned table.</summary>
internal sealed class BenchReport
{
    private readonly List<ReportRow> _rows = [];

    public void Add(ReportRow row) => _rows.Add(row);

    public IReadOnlyList<ReportRow> Rows => _rows;

    public void Print(TextWriter output)
    {
        string[] header = ["#", "measurement", "ours", "anchor", "ours/anchor", "target", "verdict", "CPU ours/anchor"];
        var cells = _rows.Select(r => new[] { r.Item, r.Measurement, r.Ours, r.Anchor, r.Ratio, r.Target, r.Verdict, r.CpuRatio }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        string Line(string[] c) => string.Join("  ", c.Select((text, i) => text.PadRight(widths[i]))).TrimEnd();
        output.WriteLine(Line(header));
        output.WriteLine(new string('-', widths.Sum() + 2 * (widths.Length - 1)));
        foreach (var c in cells) output.WriteLine(Line(c));
        var judged = _rows.Where(r => r.Met is not null).ToList();
        output.WriteLine($"targets met: {judged.Count(r => r.Met == true)} of {judged.Count}");
        output.WriteLine("ours/anchor: wall-clock medians; CPU ours/anchor: medians of user+system CPU time (less disturbed by other load).");
    }
}
