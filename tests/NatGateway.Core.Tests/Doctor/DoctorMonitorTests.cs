using NatGateway.Core.Doctor;
using NatGateway.Core.Tests.Fakes;
using Xunit;

namespace NatGateway.Core.Tests.Doctor;

/// <summary>The monitor records only status changes (none again after a restart), publishes each report, and keeps the newest N.</summary>
public sealed class DoctorMonitorTests
{
    private static DoctorReport Report(DateTimeOffset at, params (CheckId Id, CheckStatus Status)[] checks) =>
        new(at, checks.Select(c => new CheckResult(c.Id, CheckArea.Routing, c.Status, c.Id.ToString(), $"{c.Id} is {c.Status}", "", [], [])).ToList());

    [Fact]
    public async Task Only_changes_are_recorded_and_a_new_monitor_on_the_same_database_continues_from_them()
    {
        using var host = new DoctorHost();
        var t = DateTimeOffset.UtcNow;
        Assert.Equal(2, await host.Monitor.RecordAsync(Report(t, (CheckId.ForwardingOff, CheckStatus.Ok), (CheckId.Mtu, CheckStatus.NotApplicable))));
        Assert.Equal(0, await host.Monitor.RecordAsync(Report(t.AddSeconds(30), (CheckId.ForwardingOff, CheckStatus.Ok), (CheckId.Mtu, CheckStatus.NotApplicable))));
        Assert.Equal(1, await host.Monitor.RecordAsync(Report(t.AddSeconds(60), (CheckId.ForwardingOff, CheckStatus.Critical), (CheckId.Mtu, CheckStatus.NotApplicable))));

        // A restart: a new monitor reads the last status per check from the database.
        var again = new DoctorMonitor(host.Doctor, host.Db, Microsoft.Extensions.Options.Options.Create(new DoctorOptions()), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<DoctorMonitor>.Instance);
        Assert.Equal(0, await again.RecordAsync(Report(t.AddSeconds(90), (CheckId.ForwardingOff, CheckStatus.Critical), (CheckId.Mtu, CheckStatus.NotApplicable))));

        var page = await host.Monitor.HistoryPageAsync(1, 2);
        Assert.Equal(3, page.TotalCount);
        var newest = page.Items[0];
        Assert.Equal((CheckId.ForwardingOff, (CheckStatus?)CheckStatus.Ok, CheckStatus.Critical), (newest.Check, newest.From, newest.To));
        Assert.Equal("ForwardingOff is Critical", newest.Summary);
        Assert.Null((await host.Monitor.HistoryPageAsync(2, 2)).Items.Single().From); // first seen
    }

    [Fact]
    public async Task Retention_keeps_the_newest_changes()
    {
        using var host = new DoctorHost(options: new DoctorOptions { KeepStatusChanges = 3 });
        var t = DateTimeOffset.UtcNow;
        for (var i = 0; i < 6; i++)
            await host.Monitor.RecordAsync(Report(t.AddSeconds(i), (CheckId.ForwardingOff, i % 2 == 0 ? CheckStatus.Ok : CheckStatus.Critical)));
        var page = await host.Monitor.HistoryPageAsync(1, 10);
        Assert.Equal(3, page.TotalCount);
        Assert.Equal([t.AddSeconds(5), t.AddSeconds(4), t.AddSeconds(3)], page.Items.Select(c => c.At).ToArray());
    }

    [Fact]
    public async Task Run_now_publishes_the_report_to_subscribers_and_records_it()
    {
        using var host = new DoctorHost();
        await host.ForwardInForceAsync();
        DoctorReport? seen = null;
        using var _ = host.Monitor.Subscribe(r => seen = r);
        var report = await host.Monitor.RunNowAsync();
        Assert.Same(report, seen);
        Assert.Same(report, host.Monitor.Latest);
        Assert.Equal(CheckStatus.Critical, report.Worst);
        var change = Assert.Single((await host.Monitor.HistoryPageAsync(1, 10)).Items);
        Assert.Equal(CheckStatus.Critical, change.To);
    }
}
