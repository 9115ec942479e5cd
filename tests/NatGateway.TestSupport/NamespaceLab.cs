using System.Diagnostics;

namespace NatGateway.TestSupport;

/// <summary>
/// A throwaway three-host network: client — gateway — server, each its own network namespace,
/// joined by veth pairs. Nothing is created in the initial namespace; everything is deleted on dispose,
/// including processes still running inside.
/// <code>
///  client eth0 10.77.1.2/24 ── lan0 10.77.1.1/24 [gateway] wan0 10.77.2.1/24 ── eth0 10.77.2.2/24 server
///          fd77:1::2/64          fd77:1::1/64             fd77:2::1/64            fd77:2::2/64
/// </code>
/// The client and the server route their traffic via the gateway; the gateway starts with
/// IPv4 forwarding OFF (the kernel default in a new namespace), so tests decide.
/// </summary>
public sealed class NamespaceLab : IDisposable, INamespaceProcesses
{
    public const string ClientAddress = "10.77.1.2";
    public const string GatewayLanAddress = "10.77.1.1";
    public const string GatewayWanAddress = "10.77.2.1";
    public const string ServerAddress = "10.77.2.2";
    public const string ClientAddress6 = "fd77:1::2";
    public const string GatewayLanAddress6 = "fd77:1::1";
    public const string GatewayWanAddress6 = "fd77:2::1";
    public const string ServerAddress6 = "fd77:2::2";
    public const string GatewayLanInterface = "lan0";
    public const string GatewayWanInterface = "wan0";

    private readonly List<Process> _processes = new();
    private readonly List<string> _namespaces = new();

    public string Client { get; }
    public string Gateway { get; }
    public string Server { get; }

    private NamespaceLab(string id)
    {
        Client = $"ngw-{id}-c";
        Gateway = $"ngw-{id}-g";
        Server = $"ngw-{id}-s";
    }

    /// <summary>Creates the lab. <paramref name="serverRoutesViaGateway"/> false leaves the server without a
    /// route back to the client network, which makes masquerade/SNAT observable.</summary>
    public static NamespaceLab Create(bool serverRoutesViaGateway = true)
    {
        Root.Require();
        var lab = new NamespaceLab(Guid.NewGuid().ToString("N")[..8]);
        try
        {
            lab.Build(serverRoutesViaGateway);
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    private void Build(bool serverRoutesViaGateway)
    {
        foreach (var ns in new[] { Client, Gateway, Server })
        {
            Ip("netns", "add", ns);
            _namespaces.Add(ns);
            Ip("-n", ns, "link", "set", "lo", "up");
        }
        Ip("link", "add", "eth0", "netns", Client, "type", "veth", "peer", "name", GatewayLanInterface, "netns", Gateway);
        Ip("link", "add", "eth0", "netns", Server, "type", "veth", "peer", "name", GatewayWanInterface, "netns", Gateway);

        // No IPv6 DAD delays: addresses are usable at once.
        foreach (var ns in new[] { Client, Gateway, Server })
            Exec(ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0").EnsureSuccess("sysctl dad");

        Addr(Client, "eth0", $"{ClientAddress}/24", $"{ClientAddress6}/64");
        Addr(Gateway, GatewayLanInterface, $"{GatewayLanAddress}/24", $"{GatewayLanAddress6}/64");
        Addr(Gateway, GatewayWanInterface, $"{GatewayWanAddress}/24", $"{GatewayWanAddress6}/64");
        Addr(Server, "eth0", $"{ServerAddress}/24", $"{ServerAddress6}/64");

        Ip("-n", Client, "route", "add", "default", "via", GatewayLanAddress);
        Ip("-n", Client, "-6", "route", "add", "default", "via", GatewayLanAddress6);
        if (serverRoutesViaGateway)
        {
            Ip("-n", Server, "route", "add", "default", "via", GatewayWanAddress);
            Ip("-n", Server, "-6", "route", "add", "default", "via", GatewayWanAddress6);
        }
    }

    private void Addr(string ns, string dev, string v4, string v6)
    {
        Ip("-n", ns, "addr", "add", v4, "dev", dev);
        Ip("-n", ns, "-6", "addr", "add", v6, "dev", dev, "nodad");
        Ip("-n", ns, "link", "set", dev, "up");
    }

    private static void Ip(params string[] args) => ProcessRunner.Run("ip", args).EnsureSuccess("ip " + string.Join(' ', args));

    /// <summary>Runs a command inside a namespace and waits for it (ip netns exec NS ...).</summary>
    public CommandResult Exec(string ns, string file, params string[] args) =>
        ProcessRunner.Run("ip", new[] { "netns", "exec", ns, file }.Concat(args));

    public CommandResult ExecWithTimeout(string ns, TimeSpan timeout, string file, params string[] args) =>
        ProcessRunner.Run("ip", new[] { "netns", "exec", ns, file }.Concat(args), timeout);

    /// <summary>Sets a sysctl inside one lab namespace (never the initial namespace).</summary>
    public void Sysctl(string ns, string key, string value) =>
        Exec(ns, "sysctl", "-q", "-w", $"{key}={value}").EnsureSuccess($"sysctl {key}");

    /// <summary>Starts a long-running process inside a namespace; it is killed when the lab is disposed.</summary>
    public Process Start(string ns, string file, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", ns, file }.Concat(args)) psi.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file} in {ns}");
        _processes.Add(p);
        return p;
    }

    /// <summary>
    /// Entries of pings (30 s) and of closed TCP connections (10-120 s) expire by default while a slow test on a loaded
    /// box still counts them. Lengthens those timeouts in one lab namespace (call before the traffic).
    /// </summary>
    public void KeepConntrackEntries(string ns)
    {
        foreach (var timeout in new[] { "icmp_timeout", "tcp_timeout_close", "tcp_timeout_time_wait", "tcp_timeout_fin_wait",
                                        "tcp_timeout_close_wait", "tcp_timeout_last_ack" })
            Sysctl(ns, $"net.netfilter.nf_conntrack_{timeout}", "3600");
    }

    /// <summary>Starts a TCP server (nc, socat, ...) inside a namespace and returns once it listens on <paramref name="port"/>:
    /// a connection made right after a plain <see cref="Start"/> can arrive before the server's listen().</summary>
    public Process StartTcpServer(string ns, int port, string file, IEnumerable<string> args)
    {
        var process = Start(ns, file, args);
        WaitUntilListening(ns, port);
        return process;
    }

    /// <summary>Polls ss(8) in the namespace until something listens on TCP <paramref name="port"/> (60 s deadline).</summary>
    public void WaitUntilListening(string ns, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (Exec(ns, "ss", "-Hltn", $"sport = :{port}").StandardOutput.Trim().Length > 0) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"nothing listens on TCP port {port} in {ns} after 60 s");
            Thread.Sleep(50); // polling interval, not a wait for a fixed time
        }
    }

    /// <summary>Runs a delegate with its thread inside the namespace (sockets made there stay there).</summary>
    public T RunIn<T>(string ns, Func<T> action) => NetworkNamespace.RunIn(ns, action);

    /// <summary>True when a TCP connection from the client to <paramref name="address"/>:<paramref name="port"/> succeeds.</summary>
    public bool TcpConnects(string fromNs, string address, int port, int timeoutSeconds = 2) =>
        Exec(fromNs, "nc", "-z", "-w", timeoutSeconds.ToString(), address, port.ToString()).ExitCode == 0;

    /// <summary>True when one ping from a namespace to an address gets an answer.</summary>
    public bool Pings(string fromNs, string address) =>
        Exec(fromNs, "ping", "-c", "1", "-W", "1", address).ExitCode == 0;

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); p.WaitForExit(5000); } catch (Exception) { /* already gone */ }
            p.Dispose();
        }
        foreach (var ns in _namespaces)
        {
            // Kill anything still living in the namespace (e.g. children that escaped the process tree).
            var pids = ProcessRunner.Run("ip", "netns", "pids", ns).StandardOutput
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var pid in pids)
                try { Process.GetProcessById(int.Parse(pid)).Kill(true); } catch (Exception) { /* raced with exit */ }
            ProcessRunner.Run("ip", "netns", "del", ns);
        }
    }
}
