using System.Diagnostics;
using System.Runtime.InteropServices;

namespace NatGateway.Core.Cluster;

/// <summary>
/// One daemon run in the foreground as a child of this process and restarted when it exits (after the restart delay,
/// 100 ms by default, doubling to 5 s or the delay when longer; back to the first delay after a run of 30 s). Every start happens on the supervisor's own thread, created by the thread that
/// called <see cref="Start"/>: a child inherits the network namespace of the thread that forks it, so a supervisor
/// started inside a lab namespace (setns on that thread) restarts its daemon there too.
/// </summary>
public sealed partial class SupervisedProcess : IDisposable
{
    private readonly string _file;
    private readonly IReadOnlyList<string> _args;
    private readonly Action? _beforeStart;
    private readonly TimeSpan _restartDelay;
    private readonly object _gate = new();
    private readonly Queue<string> _log = new();
    private readonly ManualResetEventSlim _stopping = new();
    private Thread? _thread;
    private Process? _process;
    private int _starts;

    /// <param name="name">For thread names and log lines.</param>
    /// <param name="file">The daemon's executable.</param>
    /// <param name="args">Its arguments (foreground mode).</param>
    /// <param name="beforeStart">Runs before every start, on the supervisor's thread (conntrackd: remove the lock file
    /// a killed instance left, which would make the next one refuse to start).</param>
    /// <param name="restartDelay">The first wait before a restart (default 100 ms).</param>
    public SupervisedProcess(string name, string file, IReadOnlyList<string> args, Action? beforeStart = null, TimeSpan? restartDelay = null)
    {
        _restartDelay = restartDelay ?? TimeSpan.FromMilliseconds(100);
        Name = name;
        _file = file;
        _args = args;
        _beforeStart = beforeStart;
    }

    public string Name { get; }

    /// <summary>True while a started child has not exited.</summary>
    public bool IsRunning { get { lock (_gate) return _process is { } p && !HasExited(p); } }

    public int? ProcessId { get { lock (_gate) return _process is { } p && !HasExited(p) ? p.Id : null; } }

    /// <summary>How many times the child was started (1 after a clean start; more after restarts).</summary>
    public int Starts { get { lock (_gate) return _starts; } }

    /// <summary>The last lines the daemon wrote (stdout and stderr), for error messages.</summary>
    public string RecentOutput { get { lock (_log) return string.Join('\n', _log); } }

    public void Start()
    {
        lock (_gate)
        {
            if (_thread is not null) return;
            _stopping.Reset();
            _thread = new Thread(Run) { IsBackground = true, Name = "natgw-" + Name };
            _thread.Start();
        }
    }

    /// <summary>SIGTERM (keepalived then releases its VIPs, conntrackd removes its socket and lock), up to
    /// <paramref name="grace"/> to exit, then SIGKILL of the whole process tree (keepalived's VRRP child too).</summary>
    public void Stop(TimeSpan grace)
    {
        Thread? thread;
        Process? process;
        lock (_gate)
        {
            thread = _thread;
            process = _process;
            _thread = null;
            _stopping.Set();
        }
        if (process is not null && !HasExited(process))
        {
            _ = Kill(process.Id, SigTerm);
            if (!process.WaitForExit(grace)) process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        thread?.Join();
    }

    /// <summary>Sends a signal to the running child (SIGHUP: keepalived reloads its configuration).</summary>
    public bool Signal(int signal)
    {
        lock (_gate) return _process is { } p && !HasExited(p) && Kill(p.Id, signal) == 0;
    }

    public const int SigHup = 1;
    private const int SigTerm = 15;

    private void Run()
    {
        var delay = _restartDelay;
        var longest = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, _restartDelay.Ticks));
        while (!_stopping.IsSet)
        {
            var started = Stopwatch.StartNew();
            Process process;
            try
            {
                var info = new ProcessStartInfo(_file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in _args) info.ArgumentList.Add(a);
                process = new Process { StartInfo = info };
                process.OutputDataReceived += (_, e) => Record(e.Data);
                process.ErrorDataReceived += (_, e) => Record(e.Data);
                lock (_gate)
                {
                    if (_stopping.IsSet) return;
                    _beforeStart?.Invoke();
                    process.Start();
                    _process = process;
                    _starts++;
                }
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
            {
                Record($"natgw: cannot start {_file}: {e.Message}");
                if (_stopping.Wait(TimeSpan.FromSeconds(5))) return;
                continue;
            }
            process.WaitForExit();
            if (_stopping.IsSet) return;
            Record($"natgw: {Name} exited with {process.ExitCode}; restarting in {delay.TotalMilliseconds:0} ms");
            if (started.Elapsed > TimeSpan.FromSeconds(30)) delay = _restartDelay;
            if (_stopping.Wait(delay)) return;
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, longest.Ticks));
        }
    }

    private void Record(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            _log.Enqueue(line);
            while (_log.Count > 64) _log.Dequeue();
        }
    }

    private static bool HasExited(Process p)
    {
        try { return p.HasExited; }
        catch (InvalidOperationException) { return true; }
    }

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(5));
        _stopping.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
