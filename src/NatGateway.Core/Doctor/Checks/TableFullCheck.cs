using NatGateway.Capacity.Planning;
using static NatGateway.Core.Doctor.Checks.CheckSupport;

namespace NatGateway.Core.Doctor.Checks;

/// <summary>
/// A full conntrack table drops the first packet of every new flow: __nf_conntrack_alloc() finds count above
/// nf_conntrack_max, early_drop() finds no unassured entry to evict, the kernel counts <c>drop</c> and prints
/// "nf_conntrack: table full, dropping packet" (rate-limited with net_ratelimit, so one line stands for many drops).
/// </summary>
public sealed class TableFullCheck : IDoctorCheck
{
    public CheckId Id => CheckId.TableFull;
    public CheckArea Area => CheckArea.Conntrack;
    private const string Title = "Conntrack table full";

    /// <summary>The kernel's message (nf_conntrack_core.c __nf_conntrack_alloc: net_warn_ratelimited("nf_conntrack: table full, dropping packet\n")).</summary>
    public const string LogMessage = "table full, dropping packet";

    /// <summary>Warn at 80% fill: the last fifth goes in seconds in a reconnect storm (an uplink flap, a scan) and
    /// the fix (a bigger table) is best applied before the kernel starts dropping.</summary>
    public const double WarningFill = 0.80;

    /// <summary>From 95% fill, drops counted in the same interval are the table being full (early_drop only evicts
    /// unassured entries, so a table of established flows cannot make room).</summary>
    public const double CriticalFill = 0.95;

    /// <summary>The planner is asked for twice the peak seen: room for a burst of the same size again.</summary>
    public const double PlannerHeadroom = 2.0;

    public CheckResult Evaluate(DoctorSnapshot s)
    {
        if (s.Conntrack.Value is not { } facts && s.CpuStats.Value is null)
            return CheckResult.NotApplicable(Id, Area, Title, $"conntrack could not be read: {s.Conntrack.Problem}");

        var evidence = new List<Evidence>();
        var conntrack = s.Conntrack.Value;
        double? fill = null;
        if (conntrack is { Count: { } count, ConntrackMax: { } max } && max > 0)
        {
            fill = (double)count / max;
            evidence.Add(new Evidence("entries / nf_conntrack_max", $"{Number(count)} / {Number(max)} ({Percent(fill.Value)})",
                "/proc/sys/net/netfilter/nf_conntrack_count, nf_conntrack_max"));
        }

        var lines = (s.KernelLog.Value ?? []).Where(l => l.Message.Contains(LogMessage, StringComparison.Ordinal)).ToList();
        var seenBefore = s.Previous?.KernelLog.Value is { Count: > 0 } before ? before.Max(l => l.Sequence) : (ulong?)null;
        var recent = s.Previous is null ? (int?)null : lines.Count(l => seenBefore is null || l.Sequence > seenBefore);
        var seconds = s.Previous is null ? 0 : (s.At - s.Previous.At).TotalSeconds;
        double? logRate = recent is { } r && seconds > 0 ? r / seconds : null;
        if (s.KernelLog.Known)
        {
            evidence.Add(new Evidence("\"table full, dropping packet\" lines in the window",
                $"{lines.Count} in the last {DoctorService.KernelLogWindow.TotalMinutes:0} min", s.KernelLog.Source));
            evidence.Add(new Evidence("\"table full\" line rate", Rate(logRate), s.KernelLog.Source));
            if (lines.Count > 0) evidence.Add(new Evidence("latest line", lines[^1].Message, s.KernelLog.Source));
        }
        else evidence.Add(new Evidence("kernel log", $"unreadable: {s.KernelLog.Problem}", s.KernelLog.Source));

        var dropRate = CpuRate(s, c => c.Drop);
        var earlyDropRate = CpuRate(s, c => c.EarlyDrop);
        if (s.CpuStats.Known)
        {
            evidence.Add(new Evidence("drop", $"{Number(CpuSum(s, c => c.Drop) ?? 0)} total, {Rate(dropRate)}", s.CpuStats.Source));
            evidence.Add(new Evidence("early_drop", $"{Number(CpuSum(s, c => c.EarlyDrop) ?? 0)} total, {Rate(earlyDropRate)}", s.CpuStats.Source));
        }

        var critical = logRate > 0 || (dropRate > 0 && fill >= CriticalFill);
        var warning = fill >= WarningFill || earlyDropRate > 0 || lines.Count > 0;
        if (!critical && !warning)
            return new CheckResult(Id, Area, CheckStatus.Ok, Title,
                fill is { } f ? $"the table is {Percent(f)} full and the kernel logged no \"table full\"" : "no \"table full\" in the kernel log and no drops",
                "The conntrack table has room for new connections.", evidence, []);

        var fixes = new List<DoctorFix>();
        if (conntrack is not null && Plan(s, conntrack) is { } plan)
        {
            evidence.Add(new Evidence("planner (2 × peak entries)", $"nf_conntrack_max {Number(plan.RecommendedMax)}, buckets {Number(plan.RecommendedBuckets)}, " +
                $"{Format.Bytes(plan.FullTableMemoryBytes)} at full", "capacity planner on this kernel's facts"));
            fixes.Add(new DoctorFix(FixKind.SizeWithPlanner, "Size the table with the planner",
                $"sets nf_conntrack_max = {Number(plan.RecommendedMax)} and nf_conntrack_buckets = {Number(plan.RecommendedBuckets)} " +
                $"({Format.Bytes(plan.FullTableMemoryBytes)} of kernel memory at full) as a capacity revision, commit-confirmed; both are " +
                "global sysctls, written from the initial network namespace",
                new FixTarget { Value = plan.RecommendedMax, Buckets = plan.RecommendedBuckets }));
        }

        var summary = critical
            ? logRate > 0 ? $"the kernel is dropping new connections: \"table full\" at {Rate(logRate)}" : $"the table is full ({Percent(fill ?? 1)}) and packets are dropped at {Rate(dropRate)}"
            : fill >= WarningFill ? $"the table is {Percent(fill!.Value)} full"
            : earlyDropRate > 0 ? $"the kernel is evicting unanswered entries to make room ({Rate(earlyDropRate)})"
            : $"\"table full, dropping packet\" was logged {lines.Count} time(s) in the last {DoctorService.KernelLogWindow.TotalMinutes:0} min";
        return new CheckResult(Id, Area, critical ? CheckStatus.Critical : CheckStatus.Warning, Title, summary,
            "When the conntrack table is full the kernel drops the first packet of every new connection: clients see connects " +
            "that hang and retry, while existing connections carry on, so it looks like a flaky network. The log line is " +
            "rate-limited, so each one stands for many drops. Size nf_conntrack_max for the peak, not the average: " +
            "max = peak concurrent flows × headroom, buckets = max (one entry per bucket at full), memory = max × bytes per " +
            "entry + buckets × 8 B; shortening the timeouts that hold most entries (see the timeouts check) shrinks the peak itself.",
            evidence, fixes);
    }

    private static CapacityPlan? Plan(DoctorSnapshot s, NatGateway.Capacity.Kernel.KernelConntrackFacts facts)
    {
        // The peak: the higher of this and the previous count; with "table full" logged the real demand was above max.
        var peak = Math.Max(facts.Count ?? 0, s.Previous?.Conntrack.Value?.Count ?? 0);
        if (facts.ConntrackMax is { } max && (s.KernelLog.Value ?? []).Any(l => l.Message.Contains(LogMessage, StringComparison.Ordinal)))
            peak = Math.Max(peak, max);
        if (peak <= 0) return null;
        try
        {
            return new CapacityPlanner(facts).Plan(new CapacityPlanRequest
            {
                ExpectedEntries = peak,
                PeakFactor = PlannerHeadroom,
                Masquerade = s.Rules.Value is { } rules && rules.Any(r => r.Enabled && r is NatGateway.Nat.MasqueradeRule),
                EventListener = s.ConntrackEventListener,
            });
        }
        catch (ArgumentException) { return null; }
    }
}
