using System.Diagnostics;
using System.Globalization;
using System.Net;
using NatGateway.Core.Cluster;
using NatGateway.Core.Kernel;
using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.TestSupport.Ha;

/// <summary>One of the lab's two gateways.</summary>
public enum HaNode
{
    Gw1,
    Gw2,
}

/// <summary>
/// The HA pair of /work/shared/HA-NOTES.md in throwaway namespaces (unique names per lab, all removed on dispose with
/// every process started inside, keepalived and conntrackd included):
/// <code>
///  client 10.77.1.100 ─┐ [switch: br-in]  ┌─ in0 10.77.1.11 [gw1] out0 10.77.2.11 ─┐ [switch: br-out] ┌─ server 10.77.2.100
///                      └────────────────── ┼─ in0 10.77.1.12 [gw2] out0 10.77.2.12 ─┼──────────────────┘
///  inside VIP 10.77.1.1 (client's gateway)     gw1 sync0 10.77.3.1/30 ── sync0 10.77.3.2/30 gw2      outside VIP 10.77.2.1
/// </code>
/// The server has no route back to the inside network: a reply reaches the client only through the SNAT to the outside
/// VIP, so a gateway without the flow's conntrack entry cannot carry it (what the control proves). The gateways'
/// NAT is the product's compiler output (SNAT to the outside VIP) applied with <see cref="LocalNatTables"/> in each
/// gateway's namespace; keepalived and conntrackd run from <see cref="HaLabConfigs"/> until ha-engine's services land.
/// </summary>
public sealed class HaLab : IDisposable
{
    public const string InsideVip = "10.77.1.1";
    public const string OutsideVip = "10.77.2.1";
    public const string ClientAddress = "10.77.1.100";
    public const string ServerAddress = "10.77.2.100";
    public const string InsideInterface = "in0";
    public const string OutsideInterface = "out0";
    public const string SyncInterface = "sync0";
    public static readonly TimeSpan DefaultAdvert = TimeSpan.FromMilliseconds(100);

    private readonly List<Process> _started = [];
    private readonly List<string> _namespaces = [];
    private readonly Dictionary<HaNode, Process> _keepalived = [];
    private readonly Dictionary<HaNode, Process> _conntrackd = [];

    public string Id { get; }
    public string Switch { get; }
    public string Client { get; }
    public string Server { get; }
    public string RunDirectory { get; }
    public TimeSpan Advert { get; }
    /// <summary>conntrackd's DisableExternalCache (see <see cref="HaLabConfigs.Conntrackd"/>).</summary>
    public bool ExternalCacheDisabled { get; }

    private HaLab(string id, TimeSpan advert, bool externalCacheDisabled)
    {
        ExternalCacheDisabled = externalCacheDisabled;
        Id = id;
        Advert = advert;
        Switch = $"hal-{id}-sw";
        Client = $"hal-{id}-c";
        Server = $"hal-{id}-s";
        RunDirectory = Path.Combine(Path.GetTempPath(), $"hal-{id}");
    }

    public string Namespace(HaNode node) => $"hal-{Id}-{(node == HaNode.Gw1 ? "g1" : "g2")}";
    public HaNodePaths Paths(HaNode node) => new(Path.Combine(RunDirectory, node == HaNode.Gw1 ? "gw1" : "gw2"));
    public static HaNode Other(HaNode node) => node == HaNode.Gw1 ? HaNode.Gw2 : HaNode.Gw1;

    /// <summary>Builds the topology, applies the SNAT rule on both gateways and starts conntrackd then keepalived on both;
    /// returns once gw1 holds the VIPs and gw2 is backup.</summary>
    /// <param name="disableExternalCache">Default on: with the external cache, a packet reaching the new primary between
    /// the VIP move and the notify hook's commit finds no entry, is delivered locally and answered with a RST (measured
    /// here: 78 of 1,000 flows reset at a SIGKILL failover with it off).</param>
    public static HaLab Create(TimeSpan? advert = null, bool disableExternalCache = true)
    {
        Root.Require();
        var lab = new HaLab(Guid.NewGuid().ToString("N")[..8], advert ?? DefaultAdvert, disableExternalCache);
        try
        {
            lab.Build();
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary>The cluster configuration of one node (the product's typed model; the lab renders it).</summary>
    public ClusterConfig Config(HaNode node) => new()
    {
        Enabled = true,
        VirtualRouterId = 51,
        AdvertInterval = Advert,
        VirtualAddresses =
        [
            new VirtualAddress(VirtualAddressSide.Inside, new InterfaceAddress(IPAddress.Parse(InsideVip), 24)),
            new VirtualAddress(VirtualAddressSide.Outside, new InterfaceAddress(IPAddress.Parse(OutsideVip), 24)),
        ],
        Local = new ClusterNode
        {
            Name = node == HaNode.Gw1 ? "gw1" : "gw2",
            Role = node == HaNode.Gw1 ? ClusterNodeRole.Primary : ClusterNodeRole.Backup,
            Priority = node == HaNode.Gw1 ? 150 : 100,
            InsideInterface = InsideInterface,
            OutsideInterface = OutsideInterface,
            SyncInterface = SyncInterface,
            SyncAddress = new InterfaceAddress(IPAddress.Parse(SyncAddress(node)), 30),
        },
        Peer = new ClusterPeer { Name = node == HaNode.Gw1 ? "gw2" : "gw1", SyncAddress = IPAddress.Parse(SyncAddress(Other(node))), SyncPort = 8443 },
    };

    private static string SyncAddress(HaNode node) => node == HaNode.Gw1 ? "10.77.3.1" : "10.77.3.2";
    private static string HostByte(HaNode node) => node == HaNode.Gw1 ? "11" : "12";

    /// <summary>The rule the lab's gateways apply: the one a cluster must use instead of masquerade (HA-NOTES: both nodes
    /// must produce the same translation for a synced entry to stay valid).</summary>
    public static SnatRule SnatToOutsideVip => new()
    {
        Id = Guid.Parse("00000000-0000-0000-0000-000000000015"), Name = "snat-to-vip", MarkId = 1,
        OutInterfaces = [OutsideInterface], TranslateTo = AddressPool.Parse(OutsideVip),
    };

    private void Build()
    {
        foreach (var ns in new[] { Switch, Client, Server, Namespace(HaNode.Gw1), Namespace(HaNode.Gw2) })
        {
            Ip("netns", "add", ns);
            _namespaces.Add(ns);
            Ip("-n", ns, "link", "set", "lo", "up");
        }
        foreach (var bridge in new[] { "br-in", "br-out" })
        {
            Ip("-n", Switch, "link", "add", bridge, "type", "bridge");
            Ip("-n", Switch, "link", "set", bridge, "up");
        }
        Port(Client, "eth0", "c-in", "br-in");
        Port(Server, "eth0", "s-out", "br-out");
        foreach (var node in new[] { HaNode.Gw1, HaNode.Gw2 })
        {
            var p = node == HaNode.Gw1 ? "g1" : "g2";
            Port(Namespace(node), InsideInterface, $"{p}-in", "br-in");
            Port(Namespace(node), OutsideInterface, $"{p}-out", "br-out");
        }
        Ip("link", "add", SyncInterface, "netns", Namespace(HaNode.Gw1), "type", "veth", "peer", "name", SyncInterface, "netns", Namespace(HaNode.Gw2));

        Addr(Client, "eth0", $"{ClientAddress}/24");
        Addr(Server, "eth0", $"{ServerAddress}/24");
        Ip("-n", Client, "route", "add", "default", "via", InsideVip);
        foreach (var node in new[] { HaNode.Gw1, HaNode.Gw2 })
        {
            var ns = Namespace(node);
            Addr(ns, InsideInterface, $"10.77.1.{HostByte(node)}/24");
            Addr(ns, OutsideInterface, $"10.77.2.{HostByte(node)}/24");
            Addr(ns, SyncInterface, $"{SyncAddress(node)}/30");
            Sysctl(ns, "net.ipv4.ip_forward", "1");
            // The product's NAT: the compiler's batch in one transaction, libnftables in the gateway's namespace.
            NetworkNamespace.RunIn(ns, () => new LocalNatTables(new NatCompileOptions()).Apply([SnatToOutsideVip]));
            // HA-NOTES: a backup must not pick up mid-stream TCP by itself; conntrackd supplies those entries
            // (nf_conntrack_tcp_loose, Documentation/networking/nf_conntrack-sysctl.rst). Set after the NAT table
            // exists so conntrack is registered in the namespace.
            Sysctl(ns, "net.netfilter.nf_conntrack_tcp_loose", "0");
            var paths = Paths(node);
            Directory.CreateDirectory(paths.Directory);
            File.WriteAllText(paths.KeepalivedConf, HaLabConfigs.Keepalived(Config(node), paths));
            File.WriteAllText(paths.ConntrackdConf, HaLabConfigs.Conntrackd(Config(node), paths, ExternalCacheDisabled));
            File.WriteAllText(paths.NotifyScript, HaLabConfigs.NotifyScript(paths));
            File.SetUnixFileMode(paths.NotifyScript, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        foreach (var node in new[] { HaNode.Gw1, HaNode.Gw2 }) StartConntrackd(node);
        StartKeepalived(HaNode.Gw1);
        WaitForTransition(HaNode.Gw1, VrrpState.Primary, DateTimeOffset.MinValue, TimeSpan.FromSeconds(60));
        StartKeepalived(HaNode.Gw2);
        WaitForTransition(HaNode.Gw2, VrrpState.Backup, DateTimeOffset.MinValue, TimeSpan.FromSeconds(60));
        // Neighbours resolved before any measurement.
        foreach (var (ns, address) in new[] { (Client, InsideVip), (Client, ServerAddress), (Server, OutsideVip) })
            WaitUntil(() => Exec(ns, "ping", "-c", "1", "-W", "1", address).ExitCode == 0, TimeSpan.FromSeconds(30), $"{address} from {ns}");
    }

    private void Port(string ns, string dev, string switchPort, string bridge)
    {
        Ip("link", "add", dev, "netns", ns, "type", "veth", "peer", "name", switchPort, "netns", Switch);
        Ip("-n", Switch, "link", "set", switchPort, "master", bridge);
        Ip("-n", Switch, "link", "set", switchPort, "up");
    }

    private static void Addr(string ns, string dev, string address)
    {
        Ip("-n", ns, "addr", "add", address, "dev", dev);
        Ip("-n", ns, "link", "set", dev, "up");
    }

    private static void Ip(params string[] args) => ProcessRunner.Run("ip", args).EnsureSuccess("ip " + string.Join(' ', args));

    public CommandResult Exec(string ns, string file, params string[] args) =>
        ProcessRunner.Run("ip", new[] { "netns", "exec", ns, file }.Concat(args), TimeSpan.FromSeconds(60));

    public void Sysctl(string ns, string key, string value) =>
        Exec(ns, "sysctl", "-q", "-w", $"{key}={value}").EnsureSuccess($"sysctl {key}");

    // ---- daemons -------------------------------------------------------------------------------------------------

    /// <summary>keepalived in the gateway's namespace, foreground, VRRP only, unique pid files (HA-NOTES command line).</summary>
    public void StartKeepalived(HaNode node)
    {
        var p = Paths(node);
        // After a SIGKILL the pid files stay, and the VRRP child can linger as a zombie when nothing reaps orphans (a
        // container's PID 1): keepalived then reads "daemon is already running" and exits. Our daemons are ours to know.
        foreach (var file in new[] { p.KeepalivedPid, p.VrrpPid, p.CheckersPid })
            if (File.Exists(file)) File.Delete(file);
        _keepalived[node] = Start(Namespace(node), "keepalived",
            ["-n", "-l", "-D", "-G", "-P", "-f", p.KeepalivedConf, "-p", p.KeepalivedPid, "-r", p.VrrpPid, "-c", p.CheckersPid],
            Path.Combine(p.Directory, "keepalived.out"));
    }

    public bool KeepalivedRunning(HaNode node) => _keepalived.TryGetValue(node, out var p) && !p.HasExited;

    /// <summary>SIGKILL of keepalived's VRRP child and then its parent: no priority-0 advert, no VIP removal (the VIPs
    /// stay on the node until the peer's gratuitous ARP moves the neighbours). Returns when both are gone.</summary>
    public DateTimeOffset KillKeepalived(HaNode node)
    {
        var p = Paths(node);
        var vrrp = int.Parse(File.ReadAllText(p.VrrpPid).Trim(), CultureInfo.InvariantCulture);
        var parent = _keepalived[node];
        var at = DateTimeOffset.UtcNow;
        // Child first: keepalived's children watch their parent, and one that noticed would shut down cleanly (SIGTERM path).
        ProcessRunner.Run("kill", "-KILL", vrrp.ToString(CultureInfo.InvariantCulture), parent.Id.ToString(CultureInfo.InvariantCulture)).EnsureSuccess("kill -KILL keepalived");
        if (!parent.WaitForExit(30_000)) throw new TimeoutException("keepalived did not exit after SIGKILL");
        WaitUntil(() => !File.Exists($"/proc/{vrrp}/stat") || File.ReadAllText($"/proc/{vrrp}/stat").Split(' ')[2] == "Z",
            TimeSpan.FromSeconds(30), "keepalived's VRRP child gone");
        return at;
    }

    /// <summary>SIGTERM: keepalived's clean stop (a priority-0 advert and the VIPs removed, RFC 5798 §6.4.3). Returns the
    /// moment the signal was sent, after the process has exited.</summary>
    public DateTimeOffset StopKeepalived(HaNode node)
    {
        var parent = _keepalived[node];
        var at = DateTimeOffset.UtcNow;
        ProcessRunner.Run("kill", "-TERM", parent.Id.ToString(CultureInfo.InvariantCulture)).EnsureSuccess("kill -TERM keepalived");
        if (!parent.WaitForExit(30_000)) throw new TimeoutException("keepalived did not exit after SIGTERM");
        return at;
    }

    public void StartConntrackd(HaNode node)
    {
        var p = Paths(node);
        if (File.Exists(p.ConntrackdLock)) File.Delete(p.ConntrackdLock); // a stale lock from a killed instance refuses the start
        _conntrackd[node] = Start(Namespace(node), "conntrackd", ["-C", p.ConntrackdConf], Path.Combine(p.Directory, "conntrackd.out"));
        WaitUntil(() => Conntrackd(node, "-s").ExitCode == 0, TimeSpan.FromSeconds(60), $"conntrackd answers on {node}");
    }

    /// <summary>Stops conntrackd (its own -k) and waits for the process to exit.</summary>
    public void StopConntrackd(HaNode node)
    {
        Conntrackd(node, "-k");
        if (_conntrackd.TryGetValue(node, out var p) && !p.WaitForExit(30_000)) throw new TimeoutException($"conntrackd on {node} did not exit");
    }

    public bool ConntrackdRunning(HaNode node) => _conntrackd.TryGetValue(node, out var p) && !p.HasExited;

    public CommandResult Conntrackd(HaNode node, params string[] args) =>
        Exec(Namespace(node), "conntrackd", ["-C", Paths(node).ConntrackdConf, .. args]);

    /// <summary>Waits until the node holds at least <paramref name="count"/> of the peer's flows to <paramref name="port"/>
    /// (the peer's FTFW replication has caught up): in its external cache, or with the external cache disabled in its
    /// kernel table.</summary>
    public void WaitForPeerCopy(HaNode node, int port, int count, TimeSpan deadline)
    {
        var last = "";
        var watch = Stopwatch.StartNew();
        while (true)
        {
            last = ExternalCacheDisabled
                ? Exec(Namespace(node), "conntrack", "-L", "-p", "tcp", "--dport", port.ToString(CultureInfo.InvariantCulture)).StandardOutput
                : Conntrackd(node, "-e").StandardOutput;
            if (CountPort(last, port) >= count) return;
            if (watch.Elapsed > deadline)
                throw new TimeoutException($"{node} holds {CountPort(last, port)} of {count} flows to port {port} after " +
                    $"{deadline.TotalSeconds:0} s; {last.Split('\n').Length} lines, e.g. {string.Join(" / ", last.Split('\n').Take(3))}");
            Thread.Sleep(50); // polling interval
        }
    }

    /// <summary>ESTABLISHED entries towards TCP port <paramref name="port"/> in the node's kernel table.</summary>
    public int KernelEntries(HaNode node, int port) =>
        CountPort(Exec(Namespace(node), "conntrack", "-L", "-p", "tcp", "--dport", port.ToString(CultureInfo.InvariantCulture), "--state", "ESTABLISHED").StandardOutput, port);

    private static int CountPort(string listing, int port) =>
        listing.Split('\n').Count(l => l.Contains($"dport={port.ToString(CultureInfo.InvariantCulture)} ", StringComparison.Ordinal) && l.Contains("ESTABLISHED", StringComparison.Ordinal));

    // ---- links ---------------------------------------------------------------------------------------------------

    /// <summary>Takes every link of the node down (inside, outside, sync); returns the moment the last went down.</summary>
    public DateTimeOffset LinksDown(HaNode node)
    {
        foreach (var dev in new[] { InsideInterface, OutsideInterface, SyncInterface })
            Ip("-n", Namespace(node), "link", "set", dev, "down");
        return DateTimeOffset.UtcNow;
    }

    /// <summary>Brings the node's links back (an address and the VIPs keepalived left stay configured on a down link).</summary>
    public void LinksUp(HaNode node)
    {
        foreach (var dev in new[] { InsideInterface, OutsideInterface, SyncInterface })
            Ip("-n", Namespace(node), "link", "set", dev, "up");
        // The peer's end of the sync veth goes down with ours; bring it back too.
        Ip("-n", Namespace(Other(node)), "link", "set", SyncInterface, "up");
    }

    // ---- VRRP state ----------------------------------------------------------------------------------------------

    /// <summary>The notifications keepalived ran on the node ("begin" lines: the moment of the transition).</summary>
    public IReadOnlyList<VrrpTransition> Transitions(HaNode node)
    {
        var file = Paths(node).Transitions;
        if (!File.Exists(file)) return [];
        var result = new List<VrrpTransition>();
        var from = VrrpState.Unknown;
        foreach (var line in File.ReadAllLines(file))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3 || parts[2] != "begin") continue;
            var seconds = decimal.Parse(parts[0], CultureInfo.InvariantCulture);
            var at = DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * 10_000_000m));
            var to = parts[1] switch
            {
                "primary" => VrrpState.Primary,
                "backup" => VrrpState.Backup,
                "fault" => VrrpState.Fault,
                _ => VrrpState.Unknown,
            };
            result.Add(new VrrpTransition(at, from, to, "keepalived notify"));
            from = to;
        }
        return result;
    }

    /// <summary>Waits for the node's notify hook to report <paramref name="state"/> at or after <paramref name="after"/>
    /// and returns that transition.</summary>
    public VrrpTransition WaitForTransition(HaNode node, VrrpState state, DateTimeOffset after, TimeSpan deadline)
    {
        VrrpTransition? found = null;
        try
        {
            WaitUntil(() => (found = Transitions(node).FirstOrDefault(t => t.To == state && t.At >= after)) is not null,
                deadline, $"{node} reports {state}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; transitions: {string.Join(", ", Transitions(node).Select(t => $"{t.At:HH:mm:ss.fff} {t.To}"))}; " +
                $"keepalived's last lines: {KeepalivedLogTail(node)}", e);
        }
        return found!;
    }

    /// <summary>Waits until the notify hook's conntrackd sequence for <paramref name="transition"/> has finished.</summary>
    public void WaitForNotifyDone(HaNode node, VrrpTransition transition, TimeSpan deadline)
    {
        var word = transition.To switch { VrrpState.Primary => "primary", VrrpState.Backup => "backup", _ => "fault" };
        WaitUntil(() => File.ReadAllLines(Paths(node).Transitions).Any(l => l.EndsWith($" {word} done", StringComparison.Ordinal)
                && decimal.Parse(l.Split(' ')[0], CultureInfo.InvariantCulture) * 1000m >= transition.At.ToUnixTimeMilliseconds() - 1),
            deadline, $"{node}'s {word} notify sequence done");
    }

    /// <summary>The last lines keepalived wrote on the node (for a failure's message).</summary>
    public string KeepalivedLogTail(HaNode node, int lines = 15)
    {
        var file = Path.Combine(Paths(node).Directory, "keepalived.out");
        return File.Exists(file) ? string.Join(" | ", File.ReadLines(file).TakeLast(lines)) : "(none)";
    }

    public bool HoldsVip(HaNode node) =>
        Exec(Namespace(node), "ip", "-4", "-o", "addr", "show", "dev", InsideInterface).StandardOutput.Contains($" {InsideVip}/", StringComparison.Ordinal);

    /// <summary>Back to the starting point: all links up, conntrackd and keepalived running on both, gw1 primary with
    /// the VIPs and gw2 backup with them gone.</summary>
    public void Reset()
    {
        LinksUp(HaNode.Gw1);
        LinksUp(HaNode.Gw2);
        foreach (var node in new[] { HaNode.Gw1, HaNode.Gw2 })
            if (!ConntrackdRunning(node)) StartConntrackd(node);
        foreach (var node in new[] { HaNode.Gw1, HaNode.Gw2 })
            if (!KeepalivedRunning(node)) StartKeepalived(node);
        WaitUntil(() => CurrentState(HaNode.Gw1) == VrrpState.Primary && CurrentState(HaNode.Gw2) == VrrpState.Backup && !HoldsVip(HaNode.Gw2),
            TimeSpan.FromSeconds(60), "gw1 primary and gw2 backup");
    }

    public VrrpState CurrentState(HaNode node) => Transitions(node) is { Count: > 0 } t ? t[^1].To : VrrpState.Unknown;

    public static void WaitUntil(Func<bool> condition, TimeSpan deadline, string what)
    {
        var until = Stopwatch.StartNew();
        while (!condition())
        {
            if (until.Elapsed > deadline) throw new TimeoutException($"waited {deadline.TotalSeconds:0} s for: {what}");
            Thread.Sleep(20); // polling interval, not a wait for a fixed time
        }
    }

    /// <summary>Starts a process inside a namespace (<c>ip netns exec</c> execs it: the process is the daemon itself).</summary>
    private Process Start(string ns, string file, IEnumerable<string> args, string log)
    {
        var gate = new Lock();
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", ns, file }.Concat(args)) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file} in {ns}");
        // Drained so a chatty daemon (keepalived -l logs to the console) never blocks on a full pipe.
        DataReceivedEventHandler append = (_, e) => { if (e.Data is { } line) lock (gate) File.AppendAllText(log, line + "\n"); };
        p.OutputDataReceived += append;
        p.ErrorDataReceived += append;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        lock (_started) _started.Add(p);
        return p;
    }

    public void Dispose()
    {
        lock (_started)
            foreach (var p in _started)
            {
                try { if (!p.HasExited) p.Kill(entireProcessTree: true); p.WaitForExit(5000); } catch (Exception) { /* already gone */ }
                p.Dispose();
            }
        foreach (var ns in _namespaces)
        {
            var pids = ProcessRunner.Run("ip", "netns", "pids", ns).StandardOutput
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var pid in pids)
                try { Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture)).Kill(true); } catch (Exception) { /* raced with exit */ }
            ProcessRunner.Run("ip", "netns", "del", ns);
        }
        try { Directory.Delete(RunDirectory, recursive: true); } catch (IOException) { /* best effort: a temp directory */ }
    }
}

/// <summary>A kernel fact that also needs Debian's keepalived and conntrackd (skipped with the reason otherwise).</summary>
public sealed class HaKernelFactAttribute : Xunit.FactAttribute
{
    public HaKernelFactAttribute()
    {
        if (Root.SkipReason is { } reason) Skip = reason;
        else if (!File.Exists("/usr/sbin/keepalived") || !File.Exists("/usr/sbin/conntrackd"))
            Skip = "keepalived and conntrackd are not installed (apt-get install --no-install-recommends keepalived conntrackd)";
    }
}
