using System.Diagnostics;
using NatGateway.Core.Cluster;

namespace NatGateway.Core.Kernel;

/// <summary>
/// keepalived and conntrackd of this node as supervised children of the privileged process (<c>natgw agent</c>, or
/// natgw itself in single-process mode): the configurations are written from the typed <see cref="ClusterConfig"/> into
/// a run directory of their own, both daemons run in the foreground (keepalived <c>-n</c>; conntrackd without
/// <c>-d</c>) and are restarted when they exit, and <see cref="Stop"/>/<see cref="Dispose"/> end them.
/// Command lines and the notify sequence are HA-NOTES' (probed with Debian's keepalived 2.2.7 and conntrackd 1.4.7).
/// </summary>
public sealed class LocalClusterServices(ISysctl sysctl, ClusterServiceOptions? options = null) : IClusterServices, IDisposable
{
    /// <summary>HA-NOTES: a backup must not pick up mid-stream TCP by itself (loose tracking would create entries with
    /// wrong windows for flows it did not see); conntrackd supplies those entries.</summary>
    public static readonly SysctlKey TcpLoose = new(["net", "netfilter", "nf_conntrack_tcp_loose"]);

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly object _gate = new();
    private SupervisedProcess? _keepalived;
    private SupervisedProcess? _conntrackd;
    private ClusterConfig? _config;
    private string? _keepalivedText;
    private string? _conntrackdText;

    public ClusterServiceOptions Options { get; } = options ?? new ClusterServiceOptions();
    private ClusterRunFiles Files => Options.Files;

    public void Apply(ClusterConfig config)
    {
        lock (_gate)
        {
            if (!config.Enabled)
            {
                StopLocked("cluster mode off");
                return;
            }
            ClusterFileText.EnsureWritable(config);
            Directory.CreateDirectory(Files.Directory);
            File.SetUnixFileMode(Files.Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var keepalivedText = KeepalivedConf.Render(config, Files, Options.NatgwCommand, NotifyArguments);
            var conntrackdText = ConntrackdConf.Render(config, Files, Options.DisableExternalCache);
            CheckKeepalived(keepalivedText);
            SetTcpLoose();

            // A daemon that is down (killed, and its supervisor still waiting to restart it) is started now: Apply brings
            // the node to the configuration, running.
            if (conntrackdText != _conntrackdText || _conntrackd is not { IsRunning: true })
            {
                _conntrackd?.Stop(StopGrace);
                WriteFile(Files.ConntrackdConf, conntrackdText);
                // A conntrackd killed hard leaves its lock file (and socket); a new one refuses to start while the lock
                // exists. Only our supervisor runs a conntrackd on this run directory, and it starts one after the last exited.
                _conntrackd = new SupervisedProcess("conntrackd", Options.Conntrackd, ["-C", Files.ConntrackdConf], () =>
                {
                    File.Delete(Files.ConntrackdLock);
                    File.Delete(Files.ConntrackdSocket);
                }, Options.RestartDelay);
                _conntrackd.Start();
                _conntrackdText = conntrackdText;
            }
            if (keepalivedText != _keepalivedText || _keepalived is not { IsRunning: true })
            {
                WriteFile(Files.KeepalivedConf, keepalivedText);
                // A running keepalived is reloaded, never restarted: it re-reads the whole file on SIGHUP (keepalived(8))
                // and keeps the VIPs of the instances that stay, so a stand-down (priority 1: the peer preempts), an
                // advert or VIP change moves the addresses by VRRP, not by a daemon going away. A restart (stop, start)
                // happens only when keepalived is not running (first Apply, or it exited and the supervisor lost it).
                // conntrackd (above) has no reload (conntrackd(8): no SIGHUP re-read), so a change of its file restarts
                // it; its file changes only with the sync link's addresses/interface, not with a stand-down.
                if (_keepalived is { IsRunning: true } running) running.Signal(SupervisedProcess.SigHup);
                else
                {
                    _keepalived?.Stop(StopGrace);
                    // A keepalived killed hard leaves its pid files, and its VRRP child can stay a zombie where nothing
                    // reaps orphans (a container's PID 1): the next keepalived then reads "daemon is already running" and
                    // exits. Only our supervisor runs a keepalived on this run directory, after the last one exited.
                    _keepalived = new SupervisedProcess("keepalived", Options.Keepalived,
                        ["-n", "-l", "-D", "-G", "-P", "-f", Files.KeepalivedConf, "-p", Files.KeepalivedPid, "-r", Files.VrrpPid, "-c", Files.CheckersPid],
                        () =>
                        {
                            File.Delete(Files.KeepalivedPid);
                            File.Delete(Files.VrrpPid);
                            File.Delete(Files.CheckersPid);
                        }, Options.RestartDelay);
                    _keepalived.Start();
                }
                _keepalivedText = keepalivedText;
            }
            _config = config;
        }
    }

    public void Stop()
    {
        lock (_gate) StopLocked("stopped");
    }

    public ClusterServicesStatus Status()
    {
        SupervisedProcess? keepalived, conntrackd;
        lock (_gate) { keepalived = _keepalived; conntrackd = _conntrackd; }
        var record = VrrpStateRecord.Read(Files.StateFile);
        // Another process's services (natgw ha status --run-dir): keepalived by its pid file, conntrackd by an answer.
        var keepalivedRunning = keepalived?.IsRunning ?? PidAlive(Files.KeepalivedPid);
        var sync = conntrackd is { IsRunning: false } ? null : ReadStats();
        var conntrackdRunning = conntrackd?.IsRunning ?? sync is not null;
        return new ClusterServicesStatus
        {
            KeepalivedRunning = keepalivedRunning,
            ConntrackdRunning = conntrackdRunning,
            State = keepalivedRunning ? record.State : VrrpState.Stopped,
            LastTransition = record.LastTransition,
            Sync = sync,
        };
    }

    /// <summary>conntrackd's counters, or null while it does not answer on its socket (starting, or stopped).</summary>
    public ConntrackdStats? ReadStats()
    {
        if (!File.Exists(Files.ConntrackdConf) || !File.Exists(Files.ConntrackdSocket)) return null;
        var general = Conntrackd("-s");
        if (general.ExitCode != 0) return null;
        var runtime = Conntrackd("-s", "runtime");
        return ConntrackdStatsParser.Parse(general.Output, runtime.ExitCode == 0 ? runtime.Output : null);
    }

    public void Notify(VrrpState state, string reason) => Notify(state, reason, DateTimeOffset.UtcNow);

    /// <param name="state">The state keepalived entered.</param>
    /// <param name="reason">Why (shown with the transition).</param>
    /// <param name="at">When keepalived reported the transition (<c>natgw ha notify</c> passes its own process start).
    /// A notification older than the recorded transition was overtaken by a later one (keepalived runs its notify
    /// scripts in parallel) and is ignored: recording it or running its sequence would undo the later state's.</param>
    public void Notify(VrrpState state, string reason, DateTimeOffset at)
    {
        if (state is not (VrrpState.Primary or VrrpState.Backup or VrrpState.Fault))
            throw new ArgumentOutOfRangeException(nameof(state), state, "keepalived notifies primary, backup or fault");
        if (reason.Length > 200) reason = reason[..200];
        Directory.CreateDirectory(Files.Directory);
        VrrpTransition transition;
        // One writer at a time among the notify processes of this run directory (the check and the write together).
        using (StateLock())
        {
            var previous = VrrpStateRecord.Read(Files.StateFile);
            if (previous.LastTransition is { } last && last.At > at) return;
            transition = new VrrpTransition(at, previous.State, state, reason);
            new VrrpStateRecord(state, transition).Write(Files.StateFile);
        }

        var failures = new List<string>();
        foreach (var step in NotifySequence(state, ExternalCacheDisabled()))
        {
            var result = Conntrackd(step);
            if (result.ExitCode != 0) failures.Add($"conntrackd {string.Join(' ', step)}: exit {result.ExitCode} {result.Output.Trim()}");
        }
        // The end is recorded for this transition only (keepalived runs its notify scripts in parallel; a later one owns
        // the record now), with the failed steps if any.
        var current = VrrpStateRecord.Read(Files.StateFile);
        if (current.LastTransition == transition)
            (current with { SequenceDone = DateTimeOffset.UtcNow, SequenceError = failures.Count > 0 ? string.Join("; ", failures) : null }).Write(Files.StateFile);
        if (failures.Count > 0) throw new ClusterServiceException(string.Join("; ", failures));
    }

    /// <summary>
    /// conntrackd's commands for a transition: HA-NOTES' sequence, after conntrackd's own doc/sync/primary-backup.sh
    /// (conntrack-tools): primary: commit the external cache into the kernel (-c), flush both caches (-f), resync the
    /// internal cache from the kernel (-R), send everything to the peer (-B); backup: -t, then ask the peer for a full
    /// resync (-n); fault: -t.
    /// With the external cache disabled (the default) the peer's entries are already in the kernel table, and
    /// conntrack-tools' src/external_inject.c makes commit and the external flush no-ops (external_inject_ct_commit
    /// returns LOCAL_RET_OK, external_inject_ct_flush is empty), so -c is dropped. -t is dropped too: in
    /// src/sync-mode.c RESET_TIMERS arms an alarm that after PurgeTimeout runs nl_flush_conntrack_table_selective
    /// (src/netlink.c), which deletes every replicated entry from the kernel table — with no external cache those are
    /// the peer's entries this backup needs at the next failover, and a flow that stays idle would not be sent again.
    /// A backup's stale entries then go when the peer replicates their end, or time out.
    /// </summary>
    public static IReadOnlyList<string[]> NotifySequence(VrrpState state, bool externalCacheDisabled) => (state, externalCacheDisabled) switch
    {
        (VrrpState.Primary, false) => [["-c"], ["-f"], ["-R"], ["-B"]],
        (VrrpState.Primary, true) => [["-f"], ["-R"], ["-B"]],
        (VrrpState.Backup, false) => [["-t"], ["-n"]],
        (VrrpState.Backup, true) => [["-n"]],
        (VrrpState.Fault, false) => [["-t"]],
        (VrrpState.Fault, true) => [],
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "keepalived notifies primary, backup or fault"),
    };

    /// <summary>An exclusive lock on the state file's companion (.NET takes an flock for FileShare.None and fails at once
    /// when another process holds it, so this waits for it, up to 5 s).</summary>
    private FileStream StateLock()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(Files.StateFile + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                Thread.Sleep(5);
            }
        }
    }

    /// <summary>The mode of the conntrackd this run directory runs (its generated file), not of this instance's options:
    /// <c>natgw ha notify --run-dir</c> runs Notify in a process of its own with default options.</summary>
    private bool ExternalCacheDisabled()
    {
        try
        {
            return File.ReadAllText(Files.ConntrackdConf).Contains("\tDisableExternalCache On\n", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Options.DisableExternalCache;
        }
    }

    /// <summary>The daemons' recent output (for error messages and test failures).</summary>
    public string RecentOutput
    {
        get
        {
            lock (_gate) return $"keepalived:\n{_keepalived?.RecentOutput}\nconntrackd:\n{_conntrackd?.RecentOutput}";
        }
    }

    /// <summary>The configuration last applied (null while stopped).</summary>
    public ClusterConfig? Applied { get { lock (_gate) return _config; } }

    public int? KeepalivedPid { get { lock (_gate) return _keepalived?.ProcessId; } }
    public int? ConntrackdPid { get { lock (_gate) return _conntrackd?.ProcessId; } }

    public void Dispose()
    {
        lock (_gate) StopLocked("stopped");
    }

    private IReadOnlyList<string> NotifyArguments => Options.NotifyArguments ?? ["--run-dir", Files.Directory];

    private void StopLocked(string reason)
    {
        var wasRunning = _keepalived is not null || _conntrackd is not null;
        _keepalived?.Stop(StopGrace);
        _conntrackd?.Stop(StopGrace);
        _keepalived?.Dispose();
        _conntrackd?.Dispose();
        _keepalived = null;
        _conntrackd = null;
        _keepalivedText = null;
        _conntrackdText = null;
        _config = null;
        if (wasRunning)
        {
            var previous = VrrpStateRecord.Read(Files.StateFile);
            new VrrpStateRecord(VrrpState.Stopped, new VrrpTransition(DateTimeOffset.UtcNow, previous.State, VrrpState.Stopped, reason))
                .Write(Files.StateFile);
        }
        // Only the process that ran the services gives the sysctl back (a `natgw ha notify --run-dir` process disposing
        // its own instance must not undo the running node's setting).
        if (wasRunning) RestoreTcpLoose();
    }

    private static bool PidAlive(string pidFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && pid > 0 && Directory.Exists($"/proc/{pid}");
        }
        catch (IOException)
        {
            return false;
        }
    }

    private string SavedTcpLoose => Path.Combine(Files.Directory, "nf_conntrack_tcp_loose.saved");

    private void SetTcpLoose()
    {
        if (!File.Exists(SavedTcpLoose) && sysctl.TryRead(TcpLoose) is { } current)
            WriteFile(SavedTcpLoose, current);
        sysctl.Write(TcpLoose, "0");
    }

    private void RestoreTcpLoose()
    {
        if (!File.Exists(SavedTcpLoose)) return;
        var saved = File.ReadAllText(SavedTcpLoose).Trim();
        if (SysctlPolicy.IsValidValue(saved)) sysctl.Write(TcpLoose, saved);
        File.Delete(SavedTcpLoose);
    }

    /// <summary><c>keepalived -t</c> checks the file before anything runs, so a bad configuration is an error here,
    /// not a daemon that restarts forever.</summary>
    private void CheckKeepalived(string text)
    {
        var candidate = Files.KeepalivedConf + ".check";
        WriteFile(candidate, text);
        try
        {
            var result = Run(Options.Keepalived, ["-t", "-f", candidate]);
            if (result.ExitCode != 0) throw new ClusterServiceException($"keepalived refused the generated configuration: {result.Output.Trim()}");
        }
        finally
        {
            File.Delete(candidate);
        }
    }

    private (int ExitCode, string Output) Conntrackd(params string[] args) => Run(Options.Conntrackd, ["-C", Files.ConntrackdConf, .. args]);

    private static (int ExitCode, string Output) Run(string file, IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new ClusterServiceException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, $"{file} did not answer within {CommandTimeout.TotalSeconds:0} s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static void WriteFile(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>keepalived or conntrackd refused or failed a step; the message carries the daemon's own words.</summary>
public sealed class ClusterServiceException(string message) : Exception(message);
