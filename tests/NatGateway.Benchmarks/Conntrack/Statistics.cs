using System.Globalization;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>Small order statistics and formatting for the timings.</summary>
internal static class Statistics
{
    public static double Median(IEnumerable<double> values) => Percentile(values, 50);

    /// <summary>Nearest-rank percentile (p95 of 300 samples is the 285th smallest).</summary>
    public static double Percentile(IEnumerable<double> values, double percent)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static string Seconds(double seconds) => seconds.ToString("0.000", CultureInfo.InvariantCulture) + " s";

    public static string Milliseconds(double ms) => ms.ToString(ms < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " ms";

    public static string Ratio(double ratio) => ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×";

    /// <summary>"median [min–max]" in seconds.</summary>
    public static string Spread(IReadOnlyCollection<TimeSpan> samples) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Median(samples.Select(s => s.TotalSeconds)):0.000} s [{samples.Min().TotalSeconds:0.000}–{samples.Max().TotalSeconds:0.000}]");

    /// <summary>"median [min–max]" of the wall-clock times, in seconds.</summary>
    public static string Spread(IReadOnlyCollection<Sample> samples) => Spread(samples.Select(s => s.Wall).ToList());

    public static double MedianWall(IEnumerable<Sample> samples) => Median(samples.Select(s => s.Wall.TotalSeconds));

    public static double MedianCpu(IEnumerable<Sample> samples) => Median(samples.Select(s => s.Cpu.TotalSeconds));

    /// <summary>Ratio of CPU medians with both medians, e.g. "0.41× (1.20 s / 2.93 s)".</summary>
    public static string CpuRatio(IReadOnlyCollection<Sample> ours, IReadOnlyCollection<Sample> anchor)
    {
        var o = MedianCpu(ours);
        var a = MedianCpu(anchor);
        return a <= 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{Ratio(o / a)} ({o:0.000} s / {a:0.000} s)");
    }

    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[..3] is var l ? string.Join(' ', l) : "";
}
