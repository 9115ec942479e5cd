using NatGateway.Netlink;
using NatGateway.Netlink.Netfilter;
using System.Diagnostics;

namespace NatGateway.Nftables;

/// <summary>
/// Runs each batch through the <c>nft</c> binary in a child process (<c>nft [-j] [-c] [-s] -f -</c>, batch on stdin).
/// Slower than <see cref="LibNftablesBackend"/> (a process per call) but a libnftables crash (see STACK-NOTES: 1.0.6
/// JSON parser) kills only the child. <paramref name="commandPrefix"/> runs nft elsewhere, e.g. <c>["ip","netns","exec","gw"]</c>.
/// </summary>
public sealed class NftProcessBackend(string nftPath = "nft", IReadOnlyList<string>? commandPrefix = null, TimeSpan? timeout = null) : INftablesBackend
{
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(30);

    /// <summary>
    /// Through our own netlink in this process's namespace; refused with a command prefix, whose nft runs
    /// somewhere this process's sockets may not reach.
    /// </summary>
    public void CreateCtTimeoutObjects(string table, IReadOnlyList<CtTimeoutObject> objects)
    {
        if (commandPrefix is { Count: > 0 })
            throw new NftablesException("cannot create the conntrack timeout policies",
                $"the nft process backend runs nft through '{string.Join(' ', commandPrefix)}', where this process's netlink does not reach");
        using var socket = NetlinkSocket.Open(NetlinkProtocol.Netfilter);
        NftCtTimeoutBackend.Create(socket, table, objects);
    }

    /// <summary>As <see cref="CreateCtTimeoutObjects"/>.</summary>
    public void DeleteCtTimeoutObjects(string table, IReadOnlyList<string> names)
    {
        if (commandPrefix is { Count: > 0 })
            throw new NftablesException("cannot delete unused conntrack timeout policies",
                $"the nft process backend runs nft through '{string.Join(' ', commandPrefix)}', where this process's netlink does not reach");
        using var socket = NetlinkSocket.Open(NetlinkProtocol.Netfilter);
        NftCtTimeoutBackend.Delete(socket, table, names);
    }

    /// <summary>Not known: the nft tool does not print it, and this process may be in another namespace than its commands.</summary>
    public uint? ReadGeneration() => null;

    public string Run(string commands, bool json, bool dryRun = false, bool stateless = false)
    {
        var prefix = commandPrefix ?? [];
        var psi = new ProcessStartInfo(prefix.Count > 0 ? prefix[0] : nftPath)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in prefix.Skip(1)) psi.ArgumentList.Add(a);
        if (prefix.Count > 0) psi.ArgumentList.Add(nftPath);
        if (json) psi.ArgumentList.Add("-j");
        if (dryRun) psi.ArgumentList.Add("-c");
        if (stateless) psi.ArgumentList.Add("-s");
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add("-");

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {psi.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(commands);
        process.StandardInput.Close();
        if (!process.WaitForExit(_timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new NftablesException("nft timed out", $"no answer within {_timeout.TotalSeconds} s");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            // 128+N: killed by signal N (e.g. 139 = SIGSEGV inside libnftables).
            var why = process.ExitCode > 128 ? $"nft was killed by signal {process.ExitCode - 128}. " : "";
            throw new NftablesException("nft rejected the commands", why + stderr.Result);
        }
        return stdout.Result;
    }
}
