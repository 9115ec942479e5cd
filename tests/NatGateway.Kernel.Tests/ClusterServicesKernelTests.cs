using System.Diagnostics;
using System.Net;
using NatGateway.Core.Cluster;
using NatGateway.Core.Kernel;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// Two gateway namespaces joined by three veth pairs (inside, outside, sync), each node's <see cref="LocalClusterServices"/>
/// created inside its namespace (the supervisor thread, and so keepalived and conntrackd, inherit it). keepalived's
/// notify scripts run the real <c>natgw ha notify STATE --run-dir DIR</c>. One lab and one pair of nodes for the class.
/// </summary>
public sealed class ClusterServicesKernelTests : IClassFixture<ClusterServicesKernelTests.Pair>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private readonly Pair _pair;

    public ClusterServicesKernelTests(Pair pair) => _pair = pair;

    [KernelFact]
    public void Apply_starts_both_daemons_the_primary_holds_the_VIPs_and_the_notify_ran_conntrackds_sequence()
    {
        _pair.EnsureStarted();
        WaitUntil(() => _pair.Status(1).State == VrrpState.Primary && _pair.Status(2).State == VrrpState.Backup, "gw1 primary and gw2 backup");
        var gw1 = _pair.Status(1);
        Assert.True(gw1.KeepalivedRunning && gw1.ConntrackdRunning);
        Assert.Equal(VrrpState.Primary, gw1.LastTransition?.To);
        Assert.Equal("keepalived notify", gw1.LastTransition?.Reason);
        Assert.Contains("10.77.1.1/24", _pair.Addresses(1, "in1"));
        Assert.Contains("10.77.2.1/24", _pair.Addresses(1, "out1"));
        Assert.DoesNotContain("10.77.1.1/24", _pair.Addresses(2, "in2"));
        // The primary's notify ran -f, -R, -B (no -c with the external cache disabled): conntrackd answered each (a
        // failed step is in SequenceError), and -R shows as a resync with the kernel table.
        var stateFile = new ClusterRunFiles(_pair.RunDirectory(1)).StateFile;
        WaitUntil(() => VrrpStateRecord.Read(stateFile).SequenceDone is not null, "gw1's sequence done");
        Assert.Null(VrrpStateRecord.Read(stateFile).SequenceError);
        WaitUntil(() => _pair.Status(1).Sync is { Resyncs: >= 1 }, "gw1's conntrackd counts the notify's resync");
        // Cluster mode sets nf_conntrack_tcp_loose=0 in the node's namespace.
        Assert.Equal("0", _pair.Sysctl(1, "net/netfilter/nf_conntrack_tcp_loose"));
        // natgw ha status from another process reads the same node (pid file, conntrackd's socket, the state file).
        var cli = ProcessRunner.Run("ip", "netns", "exec", _pair.Namespace(1), "dotnet", RepositoryPaths.NatgwDll, "ha", "status",
            "--run-dir", _pair.RunDirectory(1), "--output", "json");
        Assert.True(cli.ExitCode == 0, cli.StandardError);
        Assert.Contains("\"state\": \"primary\"", cli.StandardOutput);
        Assert.Contains("\"keepalivedRunning\": true", cli.StandardOutput);
        Assert.Contains("\"conntrackdRunning\": true", cli.StandardOutput);
    }

    [KernelFact]
    public void Conntrackd_replicates_an_entry_into_the_peers_kernel_table()
    {
        _pair.EnsureStarted();
        WaitUntil(() => _pair.Status(2).Sync is not null && _pair.Status(1).Sync is not null, "both conntrackd answer");
        // DisableExternalCache On (the default): the peer's entry goes straight into gw2's kernel table
        // (conntrack-tools src/external_inject.c), so a packet reaching gw2 before its notify ran finds it there.
        ProcessRunner.Run("ip", "netns", "exec", _pair.Namespace(1), "conntrack", "-I", "-p", "tcp", "-s", "10.77.1.100", "-d", "10.77.2.100",
            "--sport", "41000", "--dport", "80", "--state", "ESTABLISHED", "-u", "ASSURED", "-t", "300").EnsureSuccess("conntrack -I");
        WaitUntil(() => ProcessRunner.Run("ip", "netns", "exec", _pair.Namespace(2), "conntrack", "-L", "-p", "tcp", "--sport", "41000", "--dport", "80")
            .StandardOutput.Contains("src=10.77.1.100 dst=10.77.2.100 sport=41000 dport=80", StringComparison.Ordinal), "the entry in gw2's kernel table");
        Assert.Equal(0, _pair.Status(2).Sync!.EntriesExternalCache);
    }

    [KernelFact]
    public void Apply_of_the_stand_down_config_moves_the_VIPs_to_gw2_and_Apply_without_it_takes_them_back()
    {
        _pair.EnsureStarted();
        WaitUntil(() => _pair.Status(1).State == VrrpState.Primary && _pair.Status(2).State == VrrpState.Backup, "gw1 primary");
        var keepalived = _pair.Node(1).KeepalivedPid;
        var config = _pair.Node(1).Applied ?? throw new InvalidOperationException("gw1 has no config");
        _pair.Run(1, s => s.Apply(config with { Local = config.Local with { StandDown = true } }));
        WaitUntil(() => _pair.Status(2).State == VrrpState.Primary && _pair.Status(1).State == VrrpState.Backup, "gw2 takes over");
        WaitUntil(() => _pair.Addresses(2, "in2").Contains("10.77.1.1/24"), "the inside VIP on gw2");
        // A reload (SIGHUP), not a restart: the same keepalived runs on as the backup.
        Assert.Equal(keepalived, _pair.Node(1).KeepalivedPid);
        Assert.True(_pair.Status(1).KeepalivedRunning, "a node that stands down keeps running as the backup");
        _pair.Run(1, s => s.Apply(config));
        WaitUntil(() => _pair.Status(1).State == VrrpState.Primary && _pair.Status(2).State == VrrpState.Backup, "gw1 preempts back");
        WaitUntil(() => _pair.Addresses(1, "in1").Contains("10.77.1.1/24"), "the inside VIP back on gw1");
        Assert.Equal(keepalived, _pair.Node(1).KeepalivedPid);
    }

    [KernelFact]
    public void A_killed_daemon_is_restarted()
    {
        _pair.EnsureStarted();
        WaitUntil(() => _pair.Node(2).ConntrackdPid is not null, "gw2's conntrackd runs");
        var pid = _pair.Node(2).ConntrackdPid!.Value;
        Process.GetProcessById(pid).Kill();
        WaitUntil(() => _pair.Node(2).ConntrackdPid is { } p && p != pid && _pair.Status(2).Sync is not null, "a new conntrackd answers");
    }

    [KernelFact]
    public void Stop_leaves_no_daemon_and_restores_the_sysctl()
    {
        using var node = Pair.Create();
        node.EnsureStarted();
        WaitUntil(() => node.Status(1).KeepalivedRunning && node.Status(1).Sync is not null, "the extra pair runs");
        node.Run(1, s => s.Stop());
        node.Run(2, s => s.Stop());
        Assert.Empty(node.DaemonsOf(1).Concat(node.DaemonsOf(2)));
        Assert.Equal(VrrpState.Stopped, node.Status(1).State);
        Assert.Equal(VrrpState.Stopped, node.Status(1).LastTransition?.To);
        Assert.Equal(node.LooseBefore, node.Sysctl(1, "net/netfilter/nf_conntrack_tcp_loose"));
    }

    private void WaitUntil(Func<bool> condition, string what) => _pair.WaitUntil(condition, what, Deadline);

    /// <summary>gw1 (primary, 150) and gw2 (backup, 100) with 0.1 s VRRPv3 adverts, in namespaces of their own.</summary>
    public sealed class Pair : IDisposable
    {
        private readonly string _id = Guid.NewGuid().ToString("N")[..6];
        private readonly string _directory;
        private LocalClusterServices? _gw1, _gw2;

        public Pair()
        {
            _directory = Path.Combine(Path.GetTempPath(), $"natgw-ha-{_id}");
            if (!Root.IsRoot) return;
            foreach (var n in new[] { 1, 2 })
            {
                Ip("netns", "add", Namespace(n));
                Ip("-n", Namespace(n), "link", "set", "lo", "up");
            }
            foreach (var link in new[] { "in", "out", "sync" })
                Ip("link", "add", link + "1", "netns", Namespace(1), "type", "veth", "peer", "name", link + "2", "netns", Namespace(2));
            foreach (var n in new[] { 1, 2 })
            {
                foreach (var link in new[] { "in", "out", "sync" }) Ip("-n", Namespace(n), "link", "set", link + n, "up");
                Ip("-n", Namespace(n), "addr", "add", $"10.77.3.{n}/30", "dev", "sync" + n);
                Ip("-n", Namespace(n), "addr", "add", $"10.77.1.{n + 1}/24", "dev", "in" + n);
                Ip("-n", Namespace(n), "addr", "add", $"10.77.2.{n + 1}/24", "dev", "out" + n);
            }
            LooseBefore = Sysctl(1, "net/netfilter/nf_conntrack_tcp_loose");
        }

        public static Pair Create() => new();

        public string LooseBefore { get; } = "";

        public string Namespace(int n) => $"nha-{_id}-{n}";

        public LocalClusterServices Node(int n) => (n == 1 ? _gw1 : _gw2) ?? throw new InvalidOperationException("not started");

        public void EnsureStarted()
        {
            Root.Require();
            lock (this)
            {
                _gw1 ??= Start(1, Config("gw1", ClusterNodeRole.Primary, 150, 1));
                _gw2 ??= Start(2, Config("gw2", ClusterNodeRole.Backup, 100, 2));
            }
        }

        public ClusterServicesStatus Status(int n) => Node(n).Status();

        /// <summary>Calls that may touch sysctls run inside the node's namespace (never the host's).</summary>
        public void Run(int n, Action<LocalClusterServices> action) => NetworkNamespace.RunIn(Namespace(n), () => action(Node(n)));

        public string Addresses(int n, string link) =>
            ProcessRunner.Run("ip", "-n", Namespace(n), "-o", "-4", "addr", "show", "dev", link).StandardOutput;

        public string Sysctl(int n, string key) =>
            NetworkNamespace.RunIn(Namespace(n), () => File.ReadAllText("/proc/sys/" + key).Trim());

        /// <summary>keepalived/conntrackd processes whose command line names this node's run directory.</summary>
        public IReadOnlyList<int> DaemonsOf(int n)
        {
            var marker = RunDirectory(n);
            var found = new List<int>();
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
                try
                {
                    if (File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Contains(marker, StringComparison.Ordinal)) found.Add(pid);
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
            return found;
        }

        public void WaitUntil(Func<bool> condition, string what, TimeSpan deadline)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.Elapsed > deadline)
                    throw new Xunit.Sdk.XunitException($"not within {deadline.TotalSeconds:0} s: {what}\n" +
                        $"gw1: {Format(_gw1)}\ngw2: {Format(_gw2)}");
                Thread.Sleep(100);
            }
        }

        private static string Format(LocalClusterServices? s) => s is null ? "not started" : $"{s.Status()}\n{s.RecentOutput}";

        public string RunDirectory(int n) => Path.Combine(_directory, "gw" + n);

        private LocalClusterServices Start(int n, ClusterConfig config) => NetworkNamespace.RunIn(Namespace(n), () =>
        {
            var services = new LocalClusterServices(new ProcSysctl(), new ClusterServiceOptions
            {
                Files = new ClusterRunFiles(RunDirectory(n)),
                NatgwCommand = ["/usr/share/dotnet/dotnet", RepositoryPaths.NatgwDll],
            });
            services.Apply(config);
            return services;
        });

        private static ClusterConfig Config(string name, ClusterNodeRole role, int priority, int n) => new()
        {
            Enabled = true,
            VirtualRouterId = 51,
            AdvertInterval = TimeSpan.FromMilliseconds(100),
            VirtualAddresses =
            [
                new VirtualAddress(VirtualAddressSide.Inside, new InterfaceAddress(IPAddress.Parse("10.77.1.1"), 24)),
                new VirtualAddress(VirtualAddressSide.Outside, new InterfaceAddress(IPAddress.Parse("10.77.2.1"), 24)),
            ],
            Local = new ClusterNode
            {
                Name = name, Role = role, Priority = priority, InsideInterface = "in" + n, OutsideInterface = "out" + n,
                SyncInterface = "sync" + n, SyncAddress = new InterfaceAddress(IPAddress.Parse($"10.77.3.{n}"), 30),
            },
            Peer = new ClusterPeer { Name = n == 1 ? "gw2" : "gw1", SyncAddress = IPAddress.Parse($"10.77.3.{3 - n}"), SyncPort = 8443 },
        };

        private static void Ip(params string[] args) => ProcessRunner.Run("ip", args).EnsureSuccess("ip " + string.Join(' ', args));

        public void Dispose()
        {
            if (_gw1 is { } a) NetworkNamespace.RunIn(Namespace(1), a.Dispose);
            if (_gw2 is { } b) NetworkNamespace.RunIn(Namespace(2), b.Dispose);
            if (!Root.IsRoot) return;
            foreach (var n in new[] { 1, 2 }) ProcessRunner.Run("ip", "netns", "del", Namespace(n));
            try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
        }
    }
}
