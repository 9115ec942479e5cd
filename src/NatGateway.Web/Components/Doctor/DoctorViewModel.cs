using NatGateway.Core.Doctor;
using NatGateway.Core.Paging;
using NatGateway.Data.Entities;

namespace NatGateway.Web.Components.Doctor;

/// <summary>The checks of one area, worst first; the area's own worst status orders the groups.</summary>
public sealed record CheckGroup(CheckArea Area, CheckStatus Worst, IReadOnlyList<CheckResult> Checks);

/// <summary>One bar of a chart: a label and its value.</summary>
public sealed record ChartBar(string Label, double Value);

/// <summary>
/// What the Doctor page shows: the latest report grouped by area (worst group first, worst check first inside), the
/// status-change history one page at a time, and the chart data (SNAT port use per translated address, entries by
/// state). The page renders it and calls it; tests assert on it. Not thread-safe: the page calls it on its circuit only.
/// </summary>
public sealed class DoctorViewModel(IDoctorReports reports, IConntrackDoctorFacts? conntrackFacts)
{
    public const int HistoryPageSize = 20;

    public DoctorReport? Report { get; private set; }

    public IReadOnlyList<CheckGroup> Groups { get; private set; } = [];

    public int Problems => Report?.Problems ?? 0;

    public PagedList<DoctorStatusChange> History { get; private set; } = new([], 1, HistoryPageSize, 0);

    public int HistoryPage { get; private set; } = 1;

    public int HistoryPageCount => Math.Max(1, History.PageCount);

    /// <summary>Fill of the fullest destination per translated address, in percent (what runs out first).</summary>
    public IReadOnlyList<ChartBar> SnatPortUse { get; private set; } = [];

    /// <summary>Why there is no SNAT chart (no SNAT entries, or the meter could not be read), or null.</summary>
    public string? SnatPortNote { get; private set; }

    public IReadOnlyList<ChartBar> States { get; private set; } = [];

    public string? StatesNote { get; private set; }

    /// <summary>Shows <paramref name="report"/> (null: nothing run yet).</summary>
    public void Show(DoctorReport? report)
    {
        Report = report;
        Groups = report is null ? [] : Group(report.Checks);
    }

    public static IReadOnlyList<CheckGroup> Group(IReadOnlyList<CheckResult> checks) =>
        checks.GroupBy(c => c.Area)
            .Select(g => new CheckGroup(g.Key, g.Max(c => c.Status),
                g.OrderByDescending(c => c.Status).ThenBy(c => c.Id).ToList()))
            .OrderByDescending(g => g.Worst).ThenBy(g => g.Area)
            .ToList();

    /// <summary>The latest report, the first history page and the charts.</summary>
    public async Task LoadAsync(CancellationToken ct = default)
    {
        Show(reports.Latest);
        await LoadHistoryAsync(ct);
        await LoadChartsAsync(ct);
    }

    public async Task RunNowAsync(CancellationToken ct = default)
    {
        Show(await reports.RunNowAsync(ct));
        await LoadHistoryAsync(ct);
        await LoadChartsAsync(ct);
    }

    public async Task LoadHistoryAsync(CancellationToken ct = default)
    {
        History = await reports.HistoryPageAsync(HistoryPage, HistoryPageSize, ct);
        if (History.Items.Count == 0 && HistoryPage > 1 && History.TotalCount > 0)
        {
            HistoryPage = History.PageCount;
            History = await reports.HistoryPageAsync(HistoryPage, HistoryPageSize, ct);
        }
    }

    public Task GoToHistoryPageAsync(int page, CancellationToken ct = default)
    {
        HistoryPage = Math.Max(1, page);
        return LoadHistoryAsync(ct);
    }

    public async Task LoadChartsAsync(CancellationToken ct = default)
    {
        if (conntrackFacts is null)
        {
            (SnatPortUse, SnatPortNote, States, StatesNote) = ([], "the SNAT port meter is not available here", [], "the state census is not available here");
            return;
        }
        ConntrackDoctorReading reading;
        try
        {
            // One pass over conntrack for both charts (one dump when the mirror is off).
            reading = await conntrackFacts.ReadAsync(DoctorSnapshotCollector.SnatPortLimit, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            (SnatPortUse, SnatPortNote) = ([], $"SNAT port use could not be read: {e.Message}");
            (States, StatesNote) = ([], $"entries by state could not be read: {e.Message}");
            return;
        }
        SnatPortUse = PerAddress(reading.SnatPorts);
        SnatPortNote = SnatPortUse.Count == 0 ? "no translated connections right now" : null;
        States = reading.States.States.Where(s => s.Entries > 0).OrderByDescending(s => s.Entries)
            .Select(s => new ChartBar(s.State, s.Entries)).ToList();
        StatesNote = States.Count == 0 ? "no tracked connections right now" : null;
    }

    /// <summary>Per translated address, the fill of its fullest destination (the kernel needs a free source port per
    /// destination tuple, so that one, not the address's total, is what runs out), in percent, fullest first.</summary>
    public static IReadOnlyList<ChartBar> PerAddress(IEnumerable<SnatPortUse> use) =>
        use.GroupBy(u => u.TranslatedAddress)
            .Select(g => new ChartBar(g.Key.ToString(), Math.Round(g.Max(u => u.Fill) * 100, 1)))
            .OrderByDescending(b => b.Value).ThenBy(b => b.Label, StringComparer.Ordinal)
            .ToList();

    public static string Text(CheckStatus status) => status switch
    {
        CheckStatus.Critical => "critical",
        CheckStatus.Warning => "warning",
        CheckStatus.Ok => "ok",
        _ => "not applicable",
    };

    public static string Text(CheckArea area) => area switch
    {
        CheckArea.Conntrack => "Connection tracking",
        CheckArea.Nat => "NAT",
        CheckArea.Routing => "Routing",
        CheckArea.Interfaces => "Interfaces",
        CheckArea.Cpu => "CPU and softirq",
        CheckArea.Cluster => "HA pair",
        _ => area.ToString(),
    };
}
