using System.Runtime.InteropServices;

namespace NatGateway.Benchmarks.Nat;

/// <summary>
/// CPU time of the calling thread (<c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>). On this kernel (no
/// CONFIG_IRQ_TIME_ACCOUNTING) it includes softirq work run in the thread's context, which is where a veth send
/// forwards the packet through the gateway; so flows per CPU-second of the sender measure the kernel's cost per new
/// flow even when other work on the machine takes turns on the cores.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int CLOCK_THREAD_CPUTIME_ID = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int clock_gettime(int clockId, out Timespec time);

    public static TimeSpan Now()
    {
        if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, out var time) != 0)
            throw new InvalidOperationException($"clock_gettime failed: errno {Marshal.GetLastPInvokeError()}");
        return TimeSpan.FromTicks(time.Seconds * TimeSpan.TicksPerSecond + time.Nanoseconds / 100);
    }
}
