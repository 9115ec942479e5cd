using System.Diagnostics;
using System.Text;
using NatGateway.Agent.Client;
using NatGateway.Core.Kernel;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>
/// <c>natgw agent</c> (the built natgw.dll) running as root in the benchmark namespace, listening on a socket in a temp
/// folder (root only: the web and CLI run as root here; the privilege split is tested in the suite), and an
/// <see cref="AgentGatewayKernel"/> of this process connected to it. A Unix socket is found by its path, so the agent is
/// reachable from any network namespace while its netlink sockets are in the benchmark's. Dispose stops the agent (kill -9).
/// </summary>
internal sealed class BenchAgent : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private int _disposed;

    public string Directory { get; }
    public string Socket => Path.Combine(Directory, "agent.sock");
    public AgentGatewayKernel Kernel { get; }
    public int ProcessId => _process.Id;

    /// <summary>The agent's user + system CPU time so far (ip netns exec execs dotnet in place, so this is the agent's pid).</summary>
    public TimeSpan Cpu => HttpMirrorBench.ProcessCpu(_process.Id);

    /// <summary>Runs <paramref name="measure"/> and adds the agent's CPU time meanwhile to the sample's: work done for the
    /// caller by the agent counts as the caller's.</summary>
    public Sample WithAgentCpu(Func<Sample> measure)
    {
        var before = Cpu;
        var sample = measure();
        return sample with { Cpu = sample.Cpu + (Cpu - before) };
    }

    private BenchAgent(string natgwDll, string ns)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("natgw-bench-agent-").FullName;
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", ns, "dotnet", natgwDll, "agent", "--socket", Socket,
                     "--sysctl-dir", Path.Combine(Directory, "sysctl.d"), "--modprobe-dir", Path.Combine(Directory, "modprobe.d") })
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start natgw agent");
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Kernel = new AgentGatewayKernel(Socket);
    }

    /// <summary>Starts the agent and returns once it answers a conntrack count (polled, 3 min deadline).</summary>
    public static BenchAgent Start(string natgwDll, string ns)
    {
        var agent = new BenchAgent(natgwDll, ns);
        var deadline = Stopwatch.StartNew();
        Exception? last = null;
        while (deadline.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (agent._process.HasExited)
            {
                var message = $"natgw agent exited with {agent._process.ExitCode}: {agent.Output}";
                agent.Dispose();
                throw new InvalidOperationException(message);
            }
            if (File.Exists(agent.Socket))
                try
                {
                    agent.Kernel.Conntrack.Count();
                    return agent;
                }
                catch (Exception e) when (e is IOException or KernelUnavailableException or System.Net.Sockets.SocketException)
                {
                    last = e;
                }
            Thread.Sleep(200); // polling interval
        }
        agent.Dispose();
        throw new TimeoutException($"natgw agent did not answer within 3 min (last: {last?.Message}): {agent.Output}");
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Kernel.Dispose();
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit(10_000);
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
