using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NatGateway.Data;
using NatGateway.Data.Entities;

namespace NatGateway.Core.Doctor;

/// <summary>How often the doctor runs in <c>natgw serve</c> (configuration section "Doctor": <c>Doctor__Interval=00:00:30</c>)
/// and how many status changes are kept.</summary>
public sealed class DoctorOptions
{
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The newest status changes kept in SQLite; older ones are deleted after each recorded change.</summary>
    public int KeepStatusChanges { get; set; } = 10_000;
}

/// <summary>
/// Runs every check every <see cref="DoctorOptions.Interval"/> (one runner for all circuits, like the dashboard's
/// sampler), pushes each report to subscribers (the Doctor page, the dashboard's problem count) and records every
/// status change in SQLite. A failing run (the database, the kernel boundary) backs off like the other monitors.
/// </summary>
public sealed class DoctorMonitor(
    DoctorService doctor,
    IDbContextFactory<NatGatewayDbContext> dbFactory,
    IOptions<DoctorOptions> options,
    TimeProvider clock,
    ILogger<DoctorMonitor> logger) : BackgroundService, IDoctorReports
{
    private readonly Live.SubscriberList<DoctorReport> _subscribers = new(logger);
    private readonly SemaphoreSlim _record = new(1, 1);
    // The status last recorded per check; loaded from the database once, so a restart does not record everything again.
    private Dictionary<CheckId, CheckStatus>? _last;

    /// <summary>The latest full report (a run by the monitor, "Run now" or the API), or null before the first.</summary>
    public DoctorReport? Latest => doctor.Latest;

    /// <summary>Receives every new full report until the handle is disposed. Callbacks run on the runner's thread.</summary>
    public IDisposable Subscribe(Action<DoctorReport> onReport) => _subscribers.Add(onReport);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A zero or negative interval from the configuration would make PeriodicTimer throw and stop the host: use the default.
        var interval = options.Value.Interval > TimeSpan.Zero ? options.Value.Interval : new DoctorOptions().Interval;
        using var timer = new PeriodicTimer(interval, clock);
        var backoff = new Background.RetryBackoff("doctor run", clock, logger);
        do
        {
            if (!backoff.IsDue) continue;
            try
            {
                await RunNowAsync(stoppingToken).ConfigureAwait(false);
                backoff.Succeeded();
            }
            // Any failure, not a list: a run reads a dozen sources and writes the database, and an exception escaping a
            // BackgroundService stops the whole host (BackgroundServiceExceptionBehavior.StopHost). The checks themselves
            // already turn their own failures into not-applicable results (DoctorService.Evaluate).
            catch (Exception e) when (e is not OperationCanceledException)
            {
                backoff.Failed(e);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Runs every check now, records the status changes and publishes the report ("Run now", GET /api/v1/doctor).</summary>
    public async Task<DoctorReport> RunNowAsync(CancellationToken ct = default)
    {
        var report = await doctor.RunAsync(null, ct).ConfigureAwait(false);
        await RecordAsync(report, ct).ConfigureAwait(false);
        _subscribers.Publish(report);
        return report;
    }

    /// <summary>Writes one row per check whose status differs from the last recorded one. Returns how many.</summary>
    public async Task<int> RecordAsync(DoctorReport report, CancellationToken ct = default)
    {
        await _record.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
            _last ??= await LoadLastAsync(db, ct).ConfigureAwait(false);
            var changes = new List<DoctorStatusChange>();
            foreach (var check in report.Checks)
            {
                CheckStatus? from = _last.TryGetValue(check.Id, out var s) ? s : null;
                if (from == check.Status) continue;
                changes.Add(new DoctorStatusChange
                {
                    Check = check.Id, From = from, To = check.Status, At = report.At,
                    Summary = check.Summary.Length > DoctorStatusChange.MaxSummaryLength
                        ? check.Summary[..(DoctorStatusChange.MaxSummaryLength - 1)] + "…"
                        : check.Summary,
                });
            }
            if (changes.Count == 0) return 0;
            db.DoctorStatusChanges.AddRange(changes);
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            foreach (var c in changes) _last[c.Check] = c.To;
            await PruneAsync(db, ct).ConfigureAwait(false);
            return changes.Count;
        }
        finally { _record.Release(); }
    }

    private static async Task<Dictionary<CheckId, CheckStatus>> LoadLastAsync(NatGatewayDbContext db, CancellationToken ct)
    {
        var last = new Dictionary<CheckId, CheckStatus>();
        foreach (var id in Enum.GetValues<CheckId>())
        {
            var row = await db.DoctorStatusChanges.AsNoTracking().Where(c => c.Check == id)
                .OrderByDescending(c => c.Id).Select(c => (CheckStatus?)c.To).FirstOrDefaultAsync(ct).ConfigureAwait(false);
            if (row is { } status) last[id] = status;
        }
        return last;
    }

    private async Task PruneAsync(NatGatewayDbContext db, CancellationToken ct)
    {
        var keep = Math.Max(1, options.Value.KeepStatusChanges);
        // The id of the newest row that falls outside the kept ones; everything at or below it goes.
        var cut = await db.DoctorStatusChanges.OrderByDescending(c => c.Id).Skip(keep).Select(c => (long?)c.Id)
            .FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (cut is { } id) await db.DoctorStatusChanges.Where(c => c.Id <= id).ExecuteDeleteAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Status changes, newest first, one page.</summary>
    public async Task<Paging.PagedList<DoctorStatusChange>> HistoryPageAsync(int page, int pageSize, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var total = await db.DoctorStatusChanges.CountAsync(ct).ConfigureAwait(false);
        var items = await db.DoctorStatusChanges.AsNoTracking().OrderByDescending(c => c.Id)
            .Skip(Paging.Paging.Skip(page, pageSize)).Take(pageSize).ToListAsync(ct).ConfigureAwait(false);
        return new Paging.PagedList<DoctorStatusChange>(items, page, pageSize, total);
    }

    public override void Dispose()
    {
        _record.Dispose();
        base.Dispose();
    }
}
