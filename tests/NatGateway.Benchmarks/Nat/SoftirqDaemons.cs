using System.Globalization;

namespace NatGateway.Benchmarks.Nat;

/// <summary>
/// CPU time of the ksoftirqd/N threads (utime + stime from <c>/proc/PID/stat</c>). Packet work that the kernel defers
/// to them is not in the sender's CPU time; a large share here means the sender-CPU figure understates the cost.
/// </summary>
internal static class SoftirqDaemons
{
    public static TimeSpan CpuTime()
    {
        long ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out _)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var close = stat.LastIndexOf(')');
                var open = stat.IndexOf('(');
                if (open < 0 || close < 0 || !stat[(open + 1)..close].StartsWith("ksoftirqd/", StringComparison.Ordinal)) continue;
                // Fields after "(comm)": state is field 3, utime 14, stime 15 (1-based) → indexes 11 and 12 here.
                var fields = stat[(close + 2)..].Split(' ');
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException) { } // the process ended while we looked
        }
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ = 100
    }
}
