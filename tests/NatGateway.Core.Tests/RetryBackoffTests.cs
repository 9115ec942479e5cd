using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using NatGateway.Core.Background;
using Xunit;

namespace NatGateway.Core.Tests;

/// <summary>The failure policy of background loops: doubling waits up to a minute, one log line per minute at most.</summary>
public sealed class RetryBackoffTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 1, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void A_loop_failing_on_every_tick_for_ten_minutes_backs_off_to_one_try_a_minute_and_logs_one_line_a_minute()
    {
        var clock = new FakeTimeProvider(Start);
        var log = new RecordingLogger(clock);
        var backoff = new RetryBackoff("automatic revert", clock, log, LogLevel.Error);
        var attempts = new List<DateTimeOffset>();

        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromMinutes(10); elapsed += Tick, clock.Advance(Tick))
        {
            if (!backoff.IsDue) continue;
            attempts.Add(clock.GetUtcNow());
            backoff.Failed(new IOException("database is locked\nsecond line of the message"));
        }

        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60, 60], gaps.Take(9));
        Assert.All(gaps.Skip(6), g => Assert.Equal(60, g));

        var lines = log.Entries.Where(e => e.Level >= LogLevel.Information).ToList();
        Assert.InRange(lines.Count, 9, 10); // the first failure at once, then at most one a minute over ten minutes
        Assert.All(lines.Zip(lines.Skip(1)), pair => Assert.True(pair.Second.Time - pair.First.Time >= RetryBackoff.LogInterval,
            $"two lines {pair.Second.Time - pair.First.Time} apart"));
        Assert.All(lines, l => Assert.DoesNotContain('\n', l.Message));
        Assert.All(lines, l => Assert.Null(l.Exception)); // no stack trace at the visible level
        Assert.Contains("automatic revert failed", lines[0].Message);
        Assert.Contains("database is locked second line", lines[0].Message);
        Assert.Equal(LogLevel.Error, lines[0].Level);
        // Each report counts the failures since the previous one, so nothing is hidden.
        Assert.Equal(attempts.Count, lines.Sum(l => int.Parse(l.Message.Split('(')[1].Split(' ')[0])) + backoff.UnreportedFailures);
    }

    [Fact]
    public void A_success_logs_that_it_works_again_and_the_next_failure_retries_after_the_initial_delay()
    {
        var clock = new FakeTimeProvider(Start);
        var log = new RecordingLogger(clock);
        var backoff = new RetryBackoff("dashboard sample", clock, log);
        for (var i = 0; i < 4; i++)
        {
            backoff.Failed(new InvalidOperationException("no /proc"));
            clock.Advance(backoff.CurrentDelay);
        }
        Assert.Equal(TimeSpan.FromSeconds(8), backoff.CurrentDelay);
        Assert.True(backoff.IsDue);

        backoff.Succeeded();
        Assert.Equal(0, backoff.ConsecutiveFailures);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Information && e.Message == "dashboard sample works again after 4 failure(s)");

        backoff.Failed(new InvalidOperationException("no /proc"));
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.CurrentDelay);
        Assert.False(backoff.IsDue);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(backoff.IsDue);
    }

    [Fact]
    public void A_flapping_loop_logs_at_most_one_failure_and_one_recovery_line_a_minute()
    {
        var clock = new FakeTimeProvider(Start);
        var log = new RecordingLogger(clock);
        var backoff = new RetryBackoff("reading rule counters", clock, log);
        for (var i = 0; i < 300; i++) // fail, succeed, fail, ... every 2 s for 10 minutes
        {
            if (i % 2 == 0) backoff.Failed(new IOException("nft busy")); else backoff.Succeeded();
            clock.Advance(TimeSpan.FromSeconds(2));
        }
        var lines = log.Entries.Where(e => e.Level >= LogLevel.Information).ToList();
        for (var minute = 0; minute < 10; minute++)
        {
            var from = Start + TimeSpan.FromMinutes(minute);
            Assert.InRange(lines.Count(l => l.Time >= from && l.Time < from + TimeSpan.FromMinutes(1)), 0, 2);
        }
        Assert.Equal(10, lines.Count(l => l.Level == LogLevel.Warning));
    }

    private sealed class RecordingLogger(TimeProvider clock) : ILogger
    {
        public List<(DateTimeOffset Time, LogLevel Level, string Message, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((clock.GetUtcNow(), logLevel, formatter(state, exception), exception));
    }
}
