using System.Globalization;

namespace NatGateway.Core.Kernel.Diagnostics;

/// <summary>
/// /proc/net/softnet_stat: one line per online CPU of hex columns (net/core/net-procfs.c softnet_seq_show):
/// 0 processed, 1 dropped (input_pkt_queue full: netdev_max_backlog), 2 time_squeeze (net_rx_action ran out of budget or
/// time), 3–8 zero (were fastroute and cpu_collision), 9 received_rps, 10 flow_limit_count, then since 5.10 ("net-sysfs:
/// add backlog len and CPU id to softnet data") 11 backlog length and 12 the CPU id, and newer kernels 13 input_qlen
/// and 14 process_qlen. Rows skip offline CPUs, so the row number is the CPU only on older kernels
/// without column 12.
/// </summary>
public static class SoftnetStat
{
    public static IReadOnlyList<SoftnetCpu> Parse(string text)
    {
        var result = new List<SoftnetCpu>();
        var row = 0;
        foreach (var line in text.Split('\n'))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0) continue;
            if (f.Length < 11) throw new FormatException($"softnet_stat row {row}: {f.Length} columns, at least 11 expected");
            ulong H(int i) => ulong.Parse(f[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var cpu = f.Length > 12 ? (int)H(12) : row;
            result.Add(new SoftnetCpu(cpu, Processed: H(0), Dropped: H(1), TimeSqueeze: H(2), ReceivedRps: H(9), FlowLimitCount: H(10)));
            row++;
        }
        return result;
    }

    public static IReadOnlyList<SoftnetCpu> Read(string procNet) => Parse(ProcText.Read(Path.Combine(procNet, "softnet_stat")));
}
