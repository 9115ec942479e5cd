using System.Diagnostics;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>A finished timed command: wall-clock time from start to exit, exit code, standard error.</summary>
internal sealed record TimedResult(TimeSpan Elapsed, int ExitCode, string StandardError);

/// <summary>
/// Runs <c>ip netns exec NS COMMAND &gt; /dev/null</c> through <c>sh -c</c> and times it from start to exit, the way an
/// operator would time it in a shell. Both sides of a ratio go through exactly this, so the few milliseconds of
/// <c>sh</c> and <c>ip netns exec</c> fall on both.
/// </summary>
internal static class TimedCommand
{
    public static TimedResult Run(string ns, string command, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo("sh")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"exec ip netns exec {ns} {command} > /dev/null");
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
        return new TimedResult(elapsed, process.ExitCode, stderr.Result + stdout.Result);
    }

    /// <summary>Like <see cref="Run"/> but throws unless the command succeeded.</summary>
    public static TimedResult RunChecked(string ns, string command, TimeSpan? timeout = null)
    {
        var result = Run(ns, command, timeout);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"'{command}' failed with exit code {result.ExitCode}: {result.StandardError.Trim()}");
        return result;
    }

    /// <summary>Lines the command prints (<c>... | wc -l</c>), not timed: checks that a listing is complete.</summary>
    public static long CountOutputLines(string ns, string command)
    {
        var result = NatGateway.TestSupport.ProcessRunner.Run("sh", ["-c", $"ip netns exec {ns} {command} | wc -l"], TimeSpan.FromMinutes(2));
        return long.Parse(result.StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
