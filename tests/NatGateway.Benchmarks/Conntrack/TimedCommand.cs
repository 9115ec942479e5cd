using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>A finished timed command: wall-clock time from start to exit, CPU time (user + system) of the command, exit code, output.</summary>
internal sealed record TimedResult(TimeSpan Elapsed, TimeSpan CpuTime, int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Runs <c>ip netns exec NS COMMAND &gt; /dev/null</c> through <c>sh -c</c> and times it from start to exit, the way an
/// operator would time it in a shell. Both sides of a ratio go through exactly this, so the few milliseconds of
/// <c>sh</c> and <c>ip netns exec</c> fall on both. The shell's <c>times</c> builtin then reports the CPU time of the
/// command (its children's user + system time): a figure that other load on the machine disturbs far less than wall time.
/// </summary>
internal static partial class TimedCommand
{
    public static TimedResult Run(string ns, string command, bool discardOutput = true, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo("sh")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"ip netns exec {ns} {command}{(discardOutput ? " > /dev/null" : "")}; rc=$?; times >&2; exit $rc");
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start sh");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit((int)(timeout ?? TimeSpan.FromMinutes(2)).TotalMilliseconds))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new TimeoutException($"timed out: {command}");
        }
        process.WaitForExit();
        var elapsed = clock.Elapsed;
        var error = stderr.Result;
        var times = ChildTimes().Match(error);
        var cpu = times.Success
            ? TimeSpan.FromSeconds(Seconds(times.Groups[1].Value, times.Groups[2].Value) + Seconds(times.Groups[3].Value, times.Groups[4].Value))
            : TimeSpan.Zero;
        return new TimedResult(elapsed, cpu, process.ExitCode, stdout.Result, error);
    }

    private static double Seconds(string minutes, string seconds) =>
        int.Parse(minutes, CultureInfo.InvariantCulture) * 60 + double.Parse(seconds, CultureInfo.InvariantCulture);

    /// <summary>The second line of <c>times</c>: children's user and system time, e.g. <c>0m1.234s 0m0.567s</c>.</summary>
    [GeneratedRegex(@"(\d+)m([0-9.]+)s\s+(\d+)m([0-9.]+)s\s*$")]
    private static partial Regex ChildTimes();

    /// <summary>Like <see cref="Run"/> but throws unless the command succeeded.</summary>
    public static TimedResult RunChecked(string ns, string command, bool discardOutput = true, TimeSpan? timeout = null)
    {
        var result = Run(ns, command, discardOutput, timeout);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"'{command}' failed with exit code {result.ExitCode}: {result.StandardError.Trim()}");
        return result;
    }

    /// <summary>Lines the command prints (<c>... | wc -l</c>), not timed: checks that a listing is complete.</summary>
    public static long CountOutputLines(string ns, string command)
    {
        var result = NatGateway.TestSupport.ProcessRunner.Run("sh", ["-c", $"ip netns exec {ns} {command} | wc -l"], TimeSpan.FromMinutes(2));
        return long.Parse(result.StandardOutput.Trim(), CultureInfo.InvariantCulture);
    }
}
