using NatGateway.Core.Kernel;
using static NatGateway.Core.Doctor.Checks.CheckSupport;

namespace NatGateway.Core.Doctor.Checks;

/// <summary>
/// Receive processing runs in softirq on the CPU that took the NIC's interrupt. /proc/net/softnet_stat counts, per
/// CPU, packets dropped because the backlog queue was over netdev_max_backlog (enqueue_to_backlog) and the times
/// net_rx_action stopped with work left because its budget (netdev_budget packets / netdev_budget_usecs) ran out
/// (time_squeeze). A NAT gateway's limit is packets per second, and one CPU doing all of it is the usual ceiling.
/// </summary>
public sealed class SoftnetCheck : IDoctorCheck
{
    public CheckId Id => CheckId.Softnet;
    public CheckArea Area => CheckArea.Cpu;
    private const string Title = "softirq load (softnet)";

    /// <summary>Any backlog drop is a lost packet; any squeeze means a CPU could not keep up in that interval.</summary>
    public const double RisingPerSecond = 0;

    public CheckResult Evaluate(DoctorSnapshot s)
    {
        if (s.Softnet.Value is not { } softnet) return CheckResult.NotApplicable(Id, Area, Title, $"/proc/net/softnet_stat could not be read: {s.Softnet.Problem}");
        var evidence = new List<Evidence>();
        var problems = new List<string>();
        var dropped = s.Rate(x => x.Softnet.Value?.Sum(c => (double)c.Dropped));
        var squeezed = s.Rate(x => x.Softnet.Value?.Sum(c => (double)c.TimeSqueeze));
        evidence.Add(new Evidence("backlog drops (dropped)", $"{Number((long)softnet.Sum(c => (double)c.Dropped))} total, {Rate(dropped)}", s.Softnet.Source));
        evidence.Add(new Evidence("time_squeeze", $"{Number((long)softnet.Sum(c => (double)c.TimeSqueeze))} total, {Rate(squeezed)}", s.Softnet.Source));
        if (dropped > RisingPerSecond) problems.Add($"the receive backlog drops packets ({Rate(dropped)})");
        if (squeezed > RisingPerSecond) problems.Add($"softirq runs out of budget ({Rate(squeezed)} time_squeeze)");
        if (s.Previous?.Softnet.Value is { } before)
            foreach (var cpu in softnet)
                if (before.FirstOrDefault(b => b.Cpu == cpu.Cpu) is { } was && (cpu.Dropped > was.Dropped || cpu.TimeSqueeze > was.TimeSqueeze))
                    evidence.Add(new Evidence($"CPU {cpu.Cpu}", $"+{cpu.Dropped - was.Dropped} dropped, +{cpu.TimeSqueeze - was.TimeSqueeze} time_squeeze", s.Softnet.Source));

        var single = SingleCpuNics(s, evidence);
        problems.AddRange(single.Select(n => $"all of {n.Name}'s interrupts land on CPU {n.Cpu} and RPS is off"));

        if (problems.Count == 0)
            return new CheckResult(Id, Area, CheckStatus.Ok, Title, "no backlog drops, no time_squeeze, interrupts spread",
                "Receive processing keeps up with the packet rate.", evidence, []);
        return new CheckResult(Id, Area, CheckStatus.Warning, Title, string.Join("; ", problems),
            "The CPU that takes a NIC's interrupt also does its receive work (and the NAT and conntrack work) in softirq. " +
            "When one CPU carries it all, it runs out of budget (time_squeeze) and its backlog overflows (drops) while the " +
            "other CPUs idle. Spread the load: several NIC queues with their interrupts on different CPUs (IRQ affinity, " +
            "/proc/irq/N/smp_affinity, or irqbalance), or RPS (/sys/class/net/IFACE/queues/rx-*/rps_cpus) and RFS for a " +
            "NIC with one queue; raise net.core.netdev_max_backlog and netdev_budget only once the load is spread.",
            evidence, []);
    }

    /// <summary>NICs whose interrupts all went to one CPU on a multi-CPU host while none of their receive queues has RPS.</summary>
    private static List<(string Name, int Cpu)> SingleCpuNics(DoctorSnapshot s, List<Evidence> evidence)
    {
        var result = new List<(string, int)>();
        if (s.Interrupts.Value is not { CpuCount: > 1 } table || s.Interfaces.Value is not { } interfaces) return result;
        var rps = s.Rps.Value ?? [];
        foreach (var nic in interfaces.Where(i => i.Kind == LinkKind.Device && !i.IsLoopback))
        {
            // /proc/interrupts names the interface in the description of its queues' vectors ("eth0-TxRx-0", "eth0").
            var lines = table.Lines.Where(l => Names(l.Description, nic.Name)).ToList();
            if (lines.Count == 0) continue;
            var perCpu = Enumerable.Range(0, table.CpuCount).Select(c => lines.Sum(l => c < l.PerCpu.Count ? (double)l.PerCpu[c] : 0)).ToList();
            var total = perCpu.Sum();
            var busy = perCpu.Select((count, cpu) => (count, cpu)).Where(x => x.count > 0).ToList();
            var queues = rps.Where(q => q.Interface == nic.Name).ToList();
            var rpsOn = queues.Any(q => q.Enabled);
            evidence.Add(new Evidence($"{nic.Name} interrupts", $"{lines.Count} vector(s), {Number((long)total)} interrupts on CPU(s) " +
                $"{string.Join(",", busy.Select(b => b.cpu))}; RPS {(s.Rps.Known ? rpsOn ? "on" : "off" : "unknown")}", $"{s.Interrupts.Source}; {s.Rps.Source}"));
            if (busy.Count == 1 && s.Rps.Known && !rpsOn) result.Add((nic.Name, busy[0].cpu));
        }
        return result;
    }

    private static bool Names(string description, string name) =>
        description.Split([' ', ',', '\t'], StringSplitOptions.RemoveEmptyEntries)
            .Any(word => word == name || word.StartsWith(name + "-", StringComparison.Ordinal) || word.StartsWith(name + ":", StringComparison.Ordinal));
}
