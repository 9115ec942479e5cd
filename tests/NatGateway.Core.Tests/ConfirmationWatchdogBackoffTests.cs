using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests;

/// <summary>
/// The case: the Revisions table is gone, so every automatic-revert check fails. It used to log
/// "automatic revert failed; will retry" every 200 ms tick (91 times in 20 s); now the tries back off to one a minute
/// and the log gets one line a minute at most.
/// </summary>
public sealed class ConfirmationWatchdogBackoffTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-watchdog-").FullName;

    [Fact]
    public async Task A_revert_check_that_keeps_failing_backs_off_to_once_a_minute_and_logs_one_line_a_minute()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 2, 0, 0, TimeSpan.Zero));
        var path = Path.Combine(_dir, "t.db");
        var db = new TestDbFactory(path);
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE Revisions";
            drop.ExecuteNonQuery();
        }
        var kernel = new InMemoryKernel("lan0", "wan0");
        var rules = new NatRulesService(kernel, db, new NatCompileOptions(), clock);
        var settings = new KernelSettingsService(kernel, db, clock);
        var revisions = RevisionsHost.Create(rules, settings, new RuleFlowService(kernel, new NatCompileOptions()), db, clock);
        var log = new RecordingLogger(clock);
        using var watchdog = new ConfirmationWatchdog(revisions, clock, log);
        await watchdog.StartAsync(CancellationToken.None);

        // ExecuteAsync starts on its own thread, and a tick may be seen before the clock reaches the retry time: while a
        // try has not failed yet, keep ticking (the backoff, not the test, decides when the try happens).
        // On a loaded box the watchdog's thread may not run between two polls: advancing the clock on every poll would race
        // it through minutes of backoff at once (too few tries in the ten minutes). One tick per 20 ms of real time at most.
        var lastTick = System.Diagnostics.Stopwatch.StartNew();
        bool TickUntil(int failures)
        {
            if (watchdog.ConsecutiveRevertFailures >= failures) return true;
            if (lastTick.ElapsedMilliseconds < 20) return false;
            clock.Advance(ConfirmationWatchdog.Tick);
            lastTick.Restart();
            return false;
        }
        await WaitForAsync(() => TickUntil(1), "the first try to fail");
        var tries = 1;
        var end = clock.GetUtcNow() + TimeSpan.FromMinutes(10);
        while (clock.GetUtcNow() < end)
        {
            clock.Advance(NextWait(tries) - ConfirmationWatchdog.Tick);
            tries++;
            await WaitForAsync(() => TickUntil(tries), $"try {tries} to fail");
            Assert.Equal(tries, watchdog.ConsecutiveRevertFailures);
        }
        await watchdog.StopAsync(CancellationToken.None);

        Assert.InRange(tries, 10, 20); // 1 s, 2 s, 4 s ... then one a minute: about 15 tries in 10 minutes, 3,000 before
        var lines = log.Entries.Where(e => e.Level >= LogLevel.Information && e.Message.StartsWith("automatic revert", StringComparison.Ordinal)).ToList();
        Assert.InRange(lines.Count, 1, 11);
        Assert.All(lines.Zip(lines.Skip(1)), pair => Assert.True(pair.Second.Time - pair.First.Time >= TimeSpan.FromMinutes(1)));
        Assert.All(lines, l => Assert.Null(l.Exception));
        Assert.Contains("no such table", lines[0].Message);
    }

    private static TimeSpan NextWait(int failures) => TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, failures - 1)));

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 60 s for {what}");
            await Task.Yield();
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class RecordingLogger(TimeProvider clock) : ILogger<ConfirmationWatchdog>
    {
        private readonly Lock _gate = new();
        private readonly List<(DateTimeOffset Time, LogLevel Level, string Message, Exception? Exception)> _entries = [];

        public IReadOnlyList<(DateTimeOffset Time, LogLevel Level, string Message, Exception? Exception)> Entries
        {
            get { lock (_gate) return _entries.ToList(); }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_gate) _entries.Add((clock.GetUtcNow(), logLevel, formatter(state, exception), exception));
        }
    }
}
