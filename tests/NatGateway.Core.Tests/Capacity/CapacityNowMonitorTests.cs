using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NatGateway.Capacity.Now;
using NatGateway.Core.Capacity;
using NatGateway.Core.Tests.Fakes;
using Xunit;

namespace NatGateway.Core.Tests.Capacity;

public sealed class CapacityNowMonitorTests
{
    private readonly InMemoryKernel _kernel = new("lan0");
    private readonly FakeCapacityReader _reader = new();
    private readonly ManualClock _clock = new();

    public CapacityNowMonitorTests() => _kernel.Memory.Values["net.netfilter.nf_conntrack_max"] = "262144";

    private CapacityNowMonitor Monitor() =>
        new(_kernel, _reader, Options.Create(new CapacityOptions()), _clock, NullLogger<CapacityNowMonitor>.Instance);

    [Fact]
    public void Growth_between_samples_gives_minutes_until_full_drop_rates_and_pushes_to_subscribers()
    {
        var monitor = Monitor();
        var received = new List<CapacityNow>();
        using var subscription = monitor.Subscribe(received.Add);

        _reader.Facts = _reader.Facts with { Count = 200_000 };
        monitor.Sample();
        _clock.Advance(TimeSpan.FromSeconds(10));
        _reader.Facts = _reader.Facts with { Count = 210_000 };
        _reader.Stats = new ConntrackStatCounters(Drop: 50, EarlyDrop: 0, InsertFailed: 0);
        var now = monitor.Sample();

        Assert.Equal(1000, now.Report.GrowthPerSecond);
        // (262,144 − 210,000) entries / 1,000 per second = 52.1 s
        Assert.Equal(52_144 / 1000.0 / 60, now.Report.MinutesUntilFull!.Value, 6);
        Assert.Equal(5, now.Report.DropsPerSecond);
        Assert.Contains(now.Report.Warnings, w => w.Contains("full in 1 minutes", StringComparison.Ordinal));
        Assert.Equal(210_000 * 256 + now.Report.BucketsMemoryBytes, now.MemoryInUseBytes); // x86_64 fallback: 256 B, no extensions
        Assert.True(now.StatsAvailable && now.GlobalLimitsWritable);
        Assert.Null(now.ReadOnlyExplanation);
        Assert.Same(now, monitor.Current);
        Assert.Empty(received); // Sample() alone does not publish; the background loop does
    }

    [Fact]
    public void Inside_a_namespace_the_sample_explains_why_the_limits_cannot_be_changed()
    {
        _kernel.Memory.ReadOnly.Add("net.netfilter.nf_conntrack_max");
        _reader.Stats = null;

        var now = Monitor().Sample();

        Assert.False(now.GlobalLimitsWritable);
        Assert.False(now.StatsAvailable);
        Assert.Contains("initial network namespace", now.ReadOnlyExplanation);
        Assert.Null(now.Report.GrowthPerSecond);
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }
}
