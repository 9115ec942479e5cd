using System.Globalization;

namespace NatGateway.Core.Kernel.Diagnostics;

/// <summary>
/// /proc/interrupts (kernel/irq/proc.c show_interrupts, arch_show_interrupts): a header naming the online CPUs
/// ("CPU0 CPU1 ..."), then one line per interrupt: "IRQ: count per CPU, chip, hwirq-type, action names". Device
/// interrupts have a numeric IRQ; the architecture's per-CPU rows (NMI, LOC, RES, CAL, TLB, IPI0, ...) are skipped —
/// the doctor asks which CPUs service a NIC's queues ("eth0-TxRx-0"), not how often timers fire. The description is the
/// rest of the line with runs of spaces collapsed.
/// </summary>
public static class ProcInterrupts
{
    public static InterruptTable Parse(string text)
    {
        var lines = text.Split('\n');
        var cpuCount = lines.Length == 0 ? 0 : lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Count(c => c.StartsWith("CPU", StringComparison.Ordinal));
        var result = new List<InterruptLine>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var irq = line[..colon].Trim();
            if (irq.Length == 0 || !irq.All(char.IsAsciiDigit)) continue;
            var fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var counts = new List<ulong>(cpuCount);
            var i = 0;
            for (; i < fields.Length && counts.Count < cpuCount; i++)
            {
                if (!ulong.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out var count)) break;
                counts.Add(count);
            }
            result.Add(new InterruptLine(irq, counts, string.Join(' ', fields.Skip(i))));
        }
        return new InterruptTable(cpuCount, result);
    }

    /// <summary>/proc/interrupts next to <paramref name="procNet"/>'s /proc.</summary>
    public static InterruptTable Read(string procNet) =>
        Parse(ProcText.Read(Path.Combine(Path.GetDirectoryName(procNet.TrimEnd('/')) ?? "/proc", "interrupts")));
}
