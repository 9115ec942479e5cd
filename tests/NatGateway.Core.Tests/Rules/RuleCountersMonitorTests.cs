using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NatGateway.Core.Rules;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests.Rules;

/// <summary>
/// The counters monitor reads the kernel only for subscribers that listen (a Rules page in a connected browser), and
/// through the shared cache: the API's read of the same seconds serves the page's update.
/// </summary>
public sealed class RuleCountersMonitorTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-counters-").FullName;
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly InMemoryKernel _kernel = new("lan0", "wan0");
    private NatRulesService _rules = null!;
    private RuleCountersCache _cache = null!;
    private RuleCountersMonitor _monitor = null!;

    public async Task InitializeAsync()
    {
        var path = Path.Combine(_dir, "t.db");
        DatabaseSetup.Migrate(path);
        _rules = new NatRulesService(_kernel, new TestDbFactory(path), new NatCompileOptions(), _clock);
        _cache = new RuleCountersCache(_rules, _clock);
        // Not started: the tests run its rounds (TickAsync) themselves, the clock moved between them.
        _monitor = new RuleCountersMonitor(_cache, _clock, NullLogger<RuleCountersMonitor>.Instance);
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _monitor.Dispose();
        await Task.CompletedTask;
        _rules.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_subscriber_whose_browser_is_gone_gets_nothing_and_keeps_no_reads_going_until_it_is_back()
    {
        var connected = false;
        var updates = 0;
        using var subscription = _monitor.Subscribe(_ => updates++, () => connected);
        for (var tick = 0; tick < 3; tick++)
        {
            _clock.Advance(RuleCountersMonitor.Interval);
            await _monitor.TickAsync();
        }
        Assert.Equal(0, _kernel.RecordingNftables.CounterReads);
        Assert.Equal(0, updates);

        connected = true;
        _clock.Advance(RuleCountersMonitor.Interval);
        await _monitor.TickAsync();
        Assert.Equal(1, updates);
        Assert.Equal(1, _kernel.RecordingNftables.CounterReads);
    }

    [Fact]
    public async Task The_monitor_and_the_api_share_one_listing_of_the_table_per_interval()
    {
        var updates = 0;
        using var subscription = _monitor.Subscribe(_ => updates++, () => true);
        _clock.Advance(RuleCountersMonitor.Interval);
        await _monitor.TickAsync();
        Assert.Equal((1, 1), (updates, _kernel.RecordingNftables.CounterReads));
        // The API within the interval: the monitor's read answers it.
        _clock.Advance(TimeSpan.FromSeconds(1));
        await _cache.ReadAsync();
        Assert.Equal(1, _kernel.RecordingNftables.CounterReads);
        // The next round: the counters are one interval old, so the monitor reads (the page never gets old counters twice).
        _clock.Advance(TimeSpan.FromSeconds(1));
        await _monitor.TickAsync();
        Assert.Equal((2, 2), (updates, _kernel.RecordingNftables.CounterReads));

        // With no page open the API reads by itself; a page opened a second later takes that read for its first update.
        subscription.Dispose();
        _clock.Advance(TimeSpan.FromSeconds(5));
        await _cache.ReadAsync(); // answered with the old counters while one new read runs
        await WaitUntilAsync(() => _kernel.RecordingNftables.CounterReads == 3);
        var later = 0;
        using var page = _monitor.Subscribe(_ => later++, () => true);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await _monitor.TickAsync();
        Assert.Equal((1, 3), (later, _kernel.RecordingNftables.CounterReads));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the state was not reached within 30 s");
            await Task.Delay(10);
        }
    }
}
