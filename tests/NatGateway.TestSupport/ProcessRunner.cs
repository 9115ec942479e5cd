using System.Diagnostics;

namespace NatGateway.TestSupport;

/// <summary>Result of a finished external command.</summary>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public CommandResult EnsureSuccess(string what)
    {
        if (ExitCode != 0)
            throw new InvalidOperationException($"{what} failed with exit code {ExitCode}: {StandardError.Trim()} {StandardOutput.Trim()}");
        return this;
    }
}

/// <summary>Runs external tools (ip, nft, conntrack, ...) with a hard time limit so a test can never hang.</summary>
public static class ProcessRunner
{
    public static CommandResult Run(string file, IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        // A hang limit, not a wait: generous because a cold `dotnet natgw.dll ...` on a loaded 2-core box has taken over 60 s.
        if (!p.WaitForExit((int)(timeout ?? TimeSpan.FromSeconds(180)).TotalMilliseconds))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new TimeoutException($"{file} {string.Join(' ', args)} timed out");
        }
        p.WaitForExit();
        return new CommandResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static CommandResult Run(string file, params string[] args) => Run(file, (IEnumerable<string>)args);
}
