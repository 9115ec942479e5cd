using NatGateway.Capacity.Now;
using Xunit;
using E = NatGateway.Capacity.Model.ConntrackExtensions;

namespace NatGateway.Capacity.Tests.Now;

public sealed class ConntrackNowAnalyzerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ConntrackNowAnalyzer Analyzer = new(SampleKernel.Model());

    private static ConntrackSample Sample(double seconds, long count, long drop = 0, long early = 0, long failed = 0) =>
        new(T0.AddSeconds(seconds), count, 262144, 262144, new ConntrackStatCounters(drop, early, failed));

    [Fact]
    public void Growth_predicts_when_the_table_is_full()
    {
        var report = Analyzer.Analyze(Sample(60, 206_000), E.None, Sample(0, 200_000));

        Assert.Equal(100, report.GrowthPerSecond);
        Assert.Equal(56_144 / 100.0 / 60, report.MinutesUntilFull!.Value, 6); // 9.36 minutes
        Assert.Contains(report.Warnings, w => w == "At the current growth rate (100 entries/s) the table is full in 10 minutes.");
    }

    [Fact]
    public void Memory_in_use_comes_from_the_model()
    {
        var report = Analyzer.Analyze(Sample(0, 100_000), E.Acct);

        Assert.Equal(38_400_000, report.EntriesMemoryBytes);
        Assert.Equal(2_097_152, report.BucketsMemoryBytes);
        Assert.Equal(0.3815, report.FillRatio, 4);
        Assert.Null(report.GrowthPerSecond);
        Assert.Empty(report.Warnings);
    }

    [Fact]
    public void Drop_counters_become_rates_and_warnings()
    {
        var report = Analyzer.Analyze(Sample(10, 262_000, drop: 150, early: 1000, failed: 20), E.None, Sample(0, 262_000, drop: 50, early: 0, failed: 0));

        Assert.Equal((10.0, 100.0, 2.0), (report.DropsPerSecond!.Value, report.EarlyDropsPerSecond!.Value, report.InsertFailedPerSecond!.Value));
        Assert.Contains(report.Warnings, w => w.StartsWith("The conntrack table is 100% full"));
        Assert.Contains(report.Warnings, w => w.Contains("table full, dropping packet"));
        Assert.Contains(report.Warnings, w => w.Contains("early_drop"));
        Assert.Contains(report.Warnings, w => w.Contains("insert_failed"));
        Assert.Null(report.MinutesUntilFull);
    }

    [Fact]
    public void Slow_growth_or_shrinking_gives_no_full_warning()
    {
        var slow = Analyzer.Analyze(Sample(60, 100_060), E.None, Sample(0, 100_000)); // 1/s: full in 2.7 days
        Assert.True(slow.MinutesUntilFull > 60);
        Assert.Empty(slow.Warnings);

        var shrinking = Analyzer.Analyze(Sample(60, 90_000), E.None, Sample(0, 100_000));
        Assert.Null(shrinking.MinutesUntilFull);
        Assert.True(shrinking.GrowthPerSecond < 0);
    }

    [Fact]
    public void Counters_that_went_backwards_give_no_rate() =>
        Assert.Null(Analyzer.Analyze(Sample(10, 1, drop: 5), E.None, Sample(0, 1, drop: 50)).DropsPerSecond);

    [Fact]
    public void Samples_must_be_in_time_order() =>
        Assert.Throws<ArgumentException>(() => Analyzer.Analyze(Sample(0, 1), E.None, Sample(10, 1)));
}
