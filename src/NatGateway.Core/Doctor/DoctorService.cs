using NatGateway.Core.Kernel;

namespace NatGateway.Core.Doctor;

/// <summary>
/// Runs the checks on a fresh snapshot. Rates need two snapshots: a run uses the previous one when it is recent
/// (the monitor samples in the background in <c>natgw serve</c>), otherwise it takes one, waits
/// <see cref="SampleInterval"/> and takes another. The netfilter lines of the kernel log are kept for
/// <see cref="KernelLogWindow"/> across runs (kmsg is read incrementally by sequence number).
/// </summary>
public sealed class DoctorService(IEnumerable<IDoctorCheck> checks, DoctorSnapshotCollector collector, IGatewayKernel kernel, TimeProvider clock)
{
    public static TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A previous snapshot older than this is not used for rates.</summary>
    public static TimeSpan RateHorizon { get; set; } = TimeSpan.FromMinutes(5);

    public static TimeSpan KernelLogWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The most netfilter log lines kept (a flood of "table full" must not grow memory).</summary>
    public const int MaxKernelLogLines = 1000;

    private readonly IReadOnlyList<IDoctorCheck> _checks = checks.OrderBy(c => c.Area).ThenBy(c => c.Id).ToList();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<KernelLogLine> _kernelLog = [];
    private ulong _kernelLogSequence;
    private DoctorSnapshot? _previous;

    public IReadOnlyList<IDoctorCheck> Checks => _checks;

    /// <summary>The latest report, or null before the first run.</summary>
    public DoctorReport? Latest { get; private set; }

    public async Task<DoctorReport> RunAsync(CheckId? only = null, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_previous is null || clock.GetUtcNow() - _previous.At > RateHorizon)
            {
                _previous = await collector.CollectAsync(null, ReadKernelLog(), ct);
                await Task.Delay(SampleInterval, clock, ct);
            }
            var snapshot = await collector.CollectAsync(_previous, ReadKernelLog(), ct);
            _previous = snapshot;
            var results = _checks.Where(c => only is null || c.Id == only).Select(c => Evaluate(c, snapshot)).ToList();
            var report = new DoctorReport(snapshot.At, results
                .OrderByDescending(r => r.Status).ThenBy(r => r.Area).ThenBy(r => r.Id).ToList());
            if (only is null) Latest = report;
            return report;
        }
        finally { _gate.Release(); }
    }

    private static CheckResult Evaluate(IDoctorCheck check, DoctorSnapshot snapshot)
    {
        try { return check.Evaluate(snapshot); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug in one check must not hide the others: report it as not applicable, with the error as evidence.
            return CheckResult.NotApplicable(check.Id, check.Area, CheckIds.Text(check.Id), $"the check failed: {e.Message}");
        }
    }

    /// <summary>The kept lines of the window, or why /dev/kmsg could not be read this time (a unit without access to it,
    /// dmesg_restrict without CAP_SYSLOG): an unreadable log must not look like a quiet one.</summary>
    private Fact<IReadOnlyList<KernelLogLine>> ReadKernelLog()
    {
        string? problem;
        try
        {
            var read = kernel.Diagnostics.ReadKernelLog(_kernelLogSequence);
            _kernelLogSequence = read.LastSequence;
            _kernelLog.AddRange(read.Lines);
            if (_kernelLog.Count > MaxKernelLogLines) _kernelLog.RemoveRange(0, _kernelLog.Count - MaxKernelLogLines);
            problem = read.Available ? null : read.Reason ?? "not readable";
        }
        catch (Exception e) when (e is IOException or NotSupportedException or UnauthorizedAccessException or KernelUnavailableException)
        {
            // The log stays as it was; the table-full check still has the counters.
            problem = e.Message;
        }
        return problem is null
            ? new Fact<IReadOnlyList<KernelLogLine>>(_kernelLog.ToList(), KernelLogSource)
            : Fact<IReadOnlyList<KernelLogLine>>.Missing(KernelLogSource, problem);
    }

    private const string KernelLogSource = "/dev/kmsg";
}
