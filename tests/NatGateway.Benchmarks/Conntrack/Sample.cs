namespace NatGateway.Benchmarks.Conntrack;

/// <summary>One timing: wall clock and CPU time (user + system, all threads of the measured process).</summary>
internal readonly record struct Sample(TimeSpan Wall, TimeSpan Cpu)
{
    /// <summary>Times <paramref name="action"/> in this process; CPU time from <see cref="Environment.CpuUsage"/> (all threads, so helper threads and GC count).</summary>
    public static Sample Measure(Action action)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        action();
        return new Sample(clock.Elapsed, Environment.CpuUsage.TotalTime - cpu);
    }

    public static Sample Of(TimedResult result) => new(result.Elapsed, result.CpuTime);
}
