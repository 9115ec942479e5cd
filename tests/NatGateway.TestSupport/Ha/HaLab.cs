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
/// gateway's namespace. keepalived and conntrackd are the product's: one <see cref="LocalClusterServices"/> per gateway,
/// created and applied (<see cref="Config"/>) on a thread inside that gateway's namespace, so its supervisor threads
/// start the daemons there; the configurations are <see cref="KeepalivedConf"/>/<see cref="ConntrackdConf"/>'s and
/// keepalived's notify runs the real <c>natgw ha notify STATE --run-dir DIR</c>. The lab's supervisors wait
/// <see cref="HoldDown"/> before restarting a daemon that exited, so a daemon a trigger killed stays down until the lab
/// applies again (the product's restart itself is ClusterServicesKernelTests').
/// <para>Created with <c>inProcessServices: false</c> the lab is the topology only (addresses, forwarding; no NAT, no
/// daemons): each gateway then runs the whole product, <c>natgw agent</c> + <c>natgw serve --agent</c>
/// (<see cref="NatgwProcess"/> started with this lab, <see cref="Start"/>), configured through its API; the members
/// that reach the in-process services (<see cref="Services"/>, <see cref="Apply"/>, the daemon and state helpers) are
/// for the in-process lab only.</para>
/// </summary>
public sealed class HaLab : IDisposable, INamespaceProcesses
{
    public const string InsideVip = "10.77.1.1";
    public const string OutsideVip = "10.77.2.1";
    public const string ClientAddress = "10.77.1.100";
    public const string ServerAddress = "10.77.2.100";
    public const string InsideInterface = "in0";
    public const string OutsideInterface = "out0";
    public const string SyncInterface = "sync0";
    public static readonly TimeSpan DefaultAdvert = TimeSpan.FromMilliseconds(100);

    /// <summary>The lab's restart delay: longer than any test holds a trigger.</summary>
    public static readonly TimeSpan HoldDown = TimeSpan.FromMinutes(30);

    private readonly List<string> _namespaces = [];
    private readonly Dictionary<HaNode, LocalClusterServices> _services = [];
    private readonly List<Process> _processes = [];

    public string Id { get; }
    public string Switch { get; }
    public string Client { get; }
    public string Server { get; }
    public string RunDirectory { get; }
    public TimeSpan Advert { get; }
    /// <summary>conntrackd's DisableExternalCache (<see cref="ClusterServiceOptions.DisableExternalCache"/>).</summary>
    public bool ExternalCacheDisabled { get; }
    /// <summary>The lab runs each gateway's NAT and cluster services in this process (false: the gateways' own natgw does).</summary>
    public bool InProcessServices { get; }

    private HaLab(string id, TimeSpan advert, bool externalCacheDisabled, bool inProcessServices)
    {
        InProcessServices = inProcessServices;
        ExternalCacheDisabled = externalCacheDisabled;
        Id = id;
        Advert = advert;
        Switch = $"hal-{id}-sw";
        Client = $"hal-{id}-c";
        Server = $"hal-{id}-s";
        RunDirectory = Path.Combine(Path.GetTempPath(), $"hal-{id}");
    }

    public string Namespace(HaNode node) => $"hal-{Id}-{(node == HaNode.Gw1 ? "g1" : "g2")}";
    /// <summary>The node's run directory (the product's layout: configurations, pid files, conntrackd's socket, the
    /// VRRP state file the notify writes).</summary>
    public ClusterRunFiles Files(HaNode node) => new(Path.Combine(RunDirectory, node == HaNode.Gw1 ? "gw1" : "gw2"));

    /// <summary>The product's cluster services of the node.</summary>
    public LocalClusterServices Services(HaNode node) => _services[node];
    public static HaNode Other(HaNode node) => node == HaNode.Gw1 ? HaNode.Gw2 : HaNode.Gw1;

    /// <summary>Builds the topology, applies the SNAT rule on both gateways and applies the cluster configuration on gw1
    /// then gw2; returns once gw1 holds the VIPs and gw2 is backup.</summary>
    /// <param name="disableExternalCache">The product's default (on): with the external cache, a packet reaching the
    /// new primary between the VIP move and the notify hook's commit finds no entry, is delivered locally and answered
    /// with a RST (measured here: 78 of 1,000 flows reset at a SIGKILL failover with it off).</param>
    /// <param name="inProcessServices">False: the topology only; the caller runs natgw in the gateways (see the class).</param>
    public static HaLab Create(TimeSpan? advert = null, bool disableExternalCache = true, bool inProcessServices = true)
    {
        Root.Require();
        var lab = new HaLab(Guid.NewGuid().ToString("N")[..8], advert ?? DefaultAdvert, disableExternalCache, inProcessServices);
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

    /// <summary>The cluster configuration of one node (the product's typed model, applied by its services).</summary>
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

    /// <summary>The node's own address on the inside network (10.77.1.11 / .12): where its management web listens.</summary>
    public static string InsideAddress(HaNode node) => $"10.77.1.{HostByte(node)}";

    /// <summary>The rule the lab's gateways apply: the one a cluster must use instead of masquerade (HA-NOTES: both nodes
    /// must produce the same translation for a synced entry to stay valid). Only the inside network is translated, as an
    /// operator writes it. History: before the compiler spared VRRP (postrouting's first rule accepts protocol 112), a rule
    /// without a source also translated each gateway's own VRRP adverts on the outside link to the VIP; with the peer's
    /// entry for its adverts synced (the lab's first configurations synced every protocol; the product's conntrackd.conf
    /// accepts only TCP, UDP, SCTP and DCCP), the new primary's advert found that tuple taken, with no ports to vary, and
    /// was dropped: keepalived logged "send advert error 1 (Operation not permitted)" and the outside instance never took
    /// over (a fresh-clone run). TrafficTests.Vrrp_keeps_its_source_… holds the exemption with real packets.</summary>
    public static SnatRule SnatToOutsideVip => new()
    {
        Id = Guid.Parse("00000000-0000-0000-0000-000000000015"), Name = "snat-to-vip", MarkId = 1,
        OutInterfaces = [OutsideInterface], SourceCidrs = [IpPrefix.Parse("10.77.1.0/24")], TranslateTo = AddressPool.Parse(OutsideVip),
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
            if (!InProcessServices) continue;
            // The product's NAT: the compiler's batch in one transaction, libnftables in the gateway's namespace.
            NetworkNamespace.RunIn(ns, () => new LocalNatTables(new NatCompileOptions()).Apply([SnatToOutsideVip]));
            // The product's services set nf_conntrack_tcp_loose=0 (HA-NOTES) when they apply: after the NAT table, so
            // conntrack is registered in the namespace.
            _services[node] = NetworkNamespace.RunIn(ns, () => new LocalClusterServices(new ProcSysctl(), new ClusterServiceOptions
            {
                Files = Files(node),
                NatgwCommand = ["/usr/share/dotnet/dotnet", RepositoryPaths.NatgwDll],
                DisableExternalCache = ExternalCacheDisabled,
                RestartDelay = HoldDown,
            }));
        }
        if (!InProcessServices) return;
        Apply(HaNode.Gw1);
        WaitForTransition(HaNode.Gw1, VrrpState.Primary, DateTimeOffset.MinValue, TimeSpan.FromSeconds(60));
        Apply(HaNode.Gw2);
        WaitForTransition(HaNode.Gw2, VrrpState.Backup, DateTimeOffset.MinValue, TimeSpan.FromSeconds(60));
        ResolveNeighbours();
    }

    /// <summary>Waits until the client reaches the inside VIP and the server, and the server the outside VIP (neighbours
    /// resolved before any measurement); needs the VIPs up and the SNAT in force.</summary>
    public void ResolveNeighbours()
    {
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

    /// <summary>Starts a long-running process in one of the lab's namespaces; the lab kills it on dispose (with every
    /// other process left in its namespaces).</summary>
    public Process Start(string ns, string file, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        if (!_namespaces.Contains(ns)) throw new ArgumentException($"{ns} is not a namespace of this lab", nameof(ns));
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", ns, file }.Concat(args)) psi.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file} in {ns}");
        lock (_processes) _processes.Add(p);
        return p;
    }

    public CommandResult Exec(string ns, string file, params string[] args) =>
        ProcessRunner.Run("ip", new[] { "netns", "exec", ns, file }.Concat(args), TimeSpan.FromSeconds(60));

    public void Sysctl(string ns, string key, string value) =>
        Exec(ns, "sysctl", "-q", "-w", $"{key}={value}").EnsureSuccess($"sysctl {key}");

    // ---- daemons (the product's) -------------------------------------------------------------------------------------

    /// <summary>The product's Apply of the node's configuration, on a thread in its namespace (the supervisors it creates
    /// start their daemons there): writes both files and starts whichever daemon is not running.</summary>
    public void Apply(HaNode node) => NetworkNamespace.RunIn(Namespace(node), () => _services[node].Apply(Config(node)));

    /// <summary>keepalived back on the node (Apply starts it; the lab's supervisor would wait <see cref="HoldDown"/>).</summary>
    public void StartKeepalived(HaNode node) => Apply(node);

    public bool KeepalivedRunning(HaNode node) => _services[node].KeepalivedPid is not null;

    /// <summary>SIGKILL of keepalived's VRRP child and then its parent: no priority-0 advert, no VIP removal (the VIPs
    /// stay on the node until the peer's gratuitous ARP moves the neighbours). Returns when both are gone.</summary>
    public DateTimeOffset KillKeepalived(HaNode node)
    {
        var parent = _services[node].KeepalivedPid ?? throw new InvalidOperationException($"keepalived is not running on {node}");
        var vrrp = int.Parse(File.ReadAllText(Files(node).VrrpPid).Trim(), CultureInfo.InvariantCulture);
        var at = DateTimeOffset.UtcNow;
        // Child first: keepalived's children watch their parent, and one that noticed would shut down cleanly (SIGTERM path).
        ProcessRunner.Run("kill", "-KILL", vrrp.ToString(CultureInfo.InvariantCulture), parent.ToString(CultureInfo.InvariantCulture)).EnsureSuccess("kill -KILL keepalived");
        WaitUntil(() => !KeepalivedRunning(node), TimeSpan.FromSeconds(30), "keepalived gone after SIGKILL");
        WaitUntil(() => !File.Exists($"/proc/{vrrp}/stat") || File.ReadAllText($"/proc/{vrrp}/stat").Split(' ')[2] == "Z",
            TimeSpan.FromSeconds(30), "keepalived's VRRP child gone");
        return at;
    }

    /// <summary>SIGTERM: keepalived's clean stop (a priority-0 advert and the VIPs removed, RFC 5798 §6.4.3). Returns the
    /// moment the signal was sent, after the process has exited.</summary>
    public DateTimeOffset StopKeepalived(HaNode node)
    {
        var parent = _services[node].KeepalivedPid ?? throw new InvalidOperationException($"keepalived is not running on {node}");
        var at = DateTimeOffset.UtcNow;
        ProcessRunner.Run("kill", "-TERM", parent.ToString(CultureInfo.InvariantCulture)).EnsureSuccess("kill -TERM keepalived");
        WaitUntil(() => !KeepalivedRunning(node), TimeSpan.FromSeconds(30), "keepalived gone after SIGTERM");
        return at;
    }

    /// <summary>conntrackd back on the node (Apply starts it) and answering on its socket.</summary>
    public void StartConntrackd(HaNode node)
    {
        Apply(node);
        WaitUntil(() => Conntrackd(node, "-s").ExitCode == 0, TimeSpan.FromSeconds(60), $"conntrackd answers on {node}");
    }

    /// <summary>Stops the node's conntrackd (its own -k) and waits for the process to exit.</summary>
    public void StopConntrackd(HaNode node)
    {
        Conntrackd(node, "-k");
        WaitUntil(() => !ConntrackdRunning(node), TimeSpan.FromSeconds(30), $"conntrackd on {node} exits");
    }

    public bool ConntrackdRunning(HaNode node) => _services[node].ConntrackdPid is not null;

    public CommandResult Conntrackd(HaNode node, params string[] args) =>
        Exec(Namespace(node), "conntrackd", ["-C", Files(node).ConntrackdConf, .. args]);

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
    /// <summary>Takes the node's links down; returns the moment before the first one went (the first alone ends its
    /// adverts: under load the peer took over while the third `ip` was still starting, before a time taken after them).</summary>
    public DateTimeOffset LinksDown(HaNode node)
    {
        var at = DateTimeOffset.UtcNow;
        foreach (var dev in new[] { InsideInterface, OutsideInterface, SyncInterface })
            Ip("-n", Namespace(node), "link", "set", dev, "down");
        return at;
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

    /// <summary>What the node's last notify recorded (the product's state file, written by <c>natgw ha notify</c>).</summary>
    public VrrpStateRecord Record(HaNode node) => VrrpStateRecord.Read(Files(node).StateFile);

    /// <summary>Waits for the node's notify hook to report <paramref name="state"/> at or after <paramref name="after"/>
    /// and returns that transition (its time: when <c>natgw ha notify</c> recorded it, so the CLI's start is in it).</summary>
    public VrrpTransition WaitForTransition(HaNode node, VrrpState state, DateTimeOffset after, TimeSpan deadline)
    {
        VrrpTransition? found = null;
        try
        {
            WaitUntil(() => (found = Record(node).LastTransition is { } t && t.To == state && t.At >= after ? t : null) is not null,
                deadline, $"{node} reports {state}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last: {Record(node)}; daemons' last lines: {KeepalivedLogTail(node)}", e);
        }
        return found!;
    }

    /// <summary>Waits until the notify hook's conntrackd sequence for <paramref name="transition"/> has ended (with the
    /// control's conntrackd stopped its steps fail: <see cref="VrrpStateRecord.SequenceError"/>).</summary>
    public void WaitForNotifyDone(HaNode node, VrrpTransition transition, TimeSpan deadline) =>
        WaitUntil(() => Record(node) is { SequenceDone: not null } r && r.LastTransition == transition,
            deadline, $"{node}'s {transition.To} notify sequence done (last: {Record(node)})");

    /// <summary>The last lines the node's daemons wrote (for a failure's message).</summary>
    public string KeepalivedLogTail(HaNode node) => _services[node].RecentOutput.Replace('\n', '|');

    public bool HoldsVip(HaNode node) =>
        Exec(Namespace(node), "ip", "-4", "-o", "addr", "show", "dev", InsideInterface).StandardOutput.Contains($" {InsideVip}/", StringComparison.Ordinal);

    /// <summary>Back to the starting point: all links up, conntrackd and keepalived running on both, gw1 primary with
    /// the VIPs and gw2 backup with them gone.</summary>
    public void Reset()
    {
        LinksUp(HaNode.Gw1);
        LinksUp(HaNode.Gw2);
        foreach (var node in new[] { HaNode.Gw1, HaNode.Gw2 })
            if (!ConntrackdRunning(node) || !KeepalivedRunning(node)) StartConntrackd(node);
        WaitUntil(() => CurrentState(HaNode.Gw1) == VrrpState.Primary && CurrentState(HaNode.Gw2) == VrrpState.Backup && !HoldsVip(HaNode.Gw2),
            TimeSpan.FromSeconds(60), "gw1 primary and gw2 backup");
    }

    public VrrpState CurrentState(HaNode node) => Record(node).State;

    public static void WaitUntil(Func<bool> condition, TimeSpan deadline, string what)
    {
        var until = Stopwatch.StartNew();
        while (!condition())
        {
            if (until.Elapsed > deadline) throw new TimeoutException($"waited {deadline.TotalSeconds:0} s for: {what}");
            Thread.Sleep(20); // polling interval, not a wait for a fixed time
        }
    }

    public void Dispose()
    {
        // The product's Stop: SIGTERM, then SIGKILL of the tree; in the namespace (it gives the sysctl back there).
        foreach (var (node, services) in _services)
            try { NetworkNamespace.RunIn(Namespace(node), services.Dispose); } catch (Exception) { /* the namespace sweep below */ }
        lock (_processes)
            foreach (var p in _processes)
            {
                try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (Exception) { /* raced with exit */ }
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
