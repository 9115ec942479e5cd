using NatGateway.Core.Kernel;
using NatGateway.Core.Settings;

namespace NatGateway.Core.Doctor;

/// <summary>
/// Reads every fact of a <see cref="DoctorSnapshot"/> through the kernel boundary (so agent mode reads them in the
/// agent), each on its own: one fact that cannot be read makes its checks not-applicable, never the whole report fail.
/// </summary>
public sealed class DoctorSnapshotCollector(
    IGatewayKernel kernel,
    KernelSettingsService settings,
    Revisions.RevisionStore revisions,
    IConntrackDoctorFacts conntrackFacts,
    Conntrack.ConntrackMirrorService? mirror,
    TimeProvider clock,
    Cluster.ClusterService? cluster = null)
{
    /// <summary>How many of the fullest SNAT destinations a snapshot keeps.</summary>
    public const int SnatPortLimit = 50;

    private const string ConntrackSource = "conntrack entries, SRC_NAT ones metered and all counted by state (mirror or one dump)";

    public async Task<DoctorSnapshot> CollectAsync(DoctorSnapshot? previous, Fact<IReadOnlyList<NatGateway.Core.Kernel.KernelLogLine>> kernelLog, CancellationToken ct)
    {
        var d = kernel.Diagnostics;
        // One pass over conntrack for both facts (with the mirror off that is one dump, not two).
        var conntrack = await ReadAsync(ConntrackSource, () => conntrackFacts.ReadAsync(SnatPortLimit, ct));
        return new DoctorSnapshot
        {
            At = clock.GetUtcNow(),
            Settings = Fact<KernelSettingsView>.Read("/proc/sys/net (ip_forward, forwarding, rp_filter)", settings.Read),
            Conntrack = Fact<NatGateway.Capacity.Kernel.KernelConntrackFacts>.Read("/proc/sys/net/netfilter, /proc/slabinfo", kernel.ReadConntrackFacts),
            CpuStats = Fact<IReadOnlyList<NatGateway.Conntrack.CpuStats>>.Read("conntrack -S (ctnetlink IPCTNL_MSG_CT_GET_STATS_CPU)", kernel.Conntrack.ReadCpuStats),
            Interfaces = Fact<IReadOnlyList<NetworkInterfaceInfo>>.Read("rtnetlink links, /proc/net/dev", kernel.ListInterfaces),
            Routes = Fact<IReadOnlyList<RouteInfo>>.Read("/proc/net/route, /proc/net/ipv6_route", kernel.ListRoutes),
            RoutingRules = Fact<IReadOnlyList<RoutingRule>>.Read("ip rule (rtnetlink RTM_GETRULE)", d.ListRoutingRules),
            Softnet = Fact<IReadOnlyList<SoftnetCpu>>.Read("/proc/net/softnet_stat", d.ReadSoftnet),
            Interrupts = Fact<InterruptTable>.Read("/proc/interrupts", d.ReadInterrupts),
            Rps = Fact<IReadOnlyList<RpsQueue>>.Read("/sys/class/net/*/queues/rx-*/rps_cpus", d.ReadRps),
            Offloads = Fact<IReadOnlyList<InterfaceOffloads>>.Read("ethtool netlink (ETHTOOL_MSG_FEATURES_GET)", d.ReadOffloads),
            KernelLog = kernelLog,
            Rules = await ReadAsync("the revision in force", async () => await revisions.RulesInForceAsync(ct)),
            InterfaceFixes = await ReadAsync(DoctorSnapshot.InterfaceFixesSource,
                async () => (await revisions.InForceAsync(ct))?.Gateway.Fixes ?? Revisions.InterfaceFixes.None),
            SnatPorts = conntrack.Value is { } both ? new Fact<IReadOnlyList<SnatPortUse>>(both.SnatPorts, ConntrackSource)
                : Fact<IReadOnlyList<SnatPortUse>>.Missing(ConntrackSource, conntrack.Problem!),
            States = conntrack.Value is { } read ? new Fact<StateCensus>(read.States, ConntrackSource)
                : Fact<StateCensus>.Missing(ConntrackSource, conntrack.Problem!),
            ConntrackEventListener = mirror?.IsStarted == true,
            Cluster = cluster is null ? Fact<Cluster.ClusterView>.Missing(DoctorSnapshot.ClusterSource, "the cluster feature is not registered")
                : await ReadAsync(DoctorSnapshot.ClusterSource, () => cluster.ViewAsync(ct)),
            Previous = previous is null ? null : previous with { Previous = null },
        };
    }

    private static async Task<Fact<T>> ReadAsync<T>(string source, Func<Task<T>> read) where T : class
    {
        try { return new Fact<T>(await read(), source); }
        catch (Exception e) when (e is not OperationCanceledException) { return Fact<T>.Missing(source, e.Message); }
    }
}
