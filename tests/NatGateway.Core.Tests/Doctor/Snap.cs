using System.Net;
using NatGateway.Capacity.Kernel;
using NatGateway.Conntrack;
using NatGateway.Core.Doctor;
using NatGateway.Core.Kernel;
using NatGateway.Core.Settings;
using NatGateway.Nat;

namespace NatGateway.Core.Tests.Doctor;

/// <summary>Hand-made doctor snapshots: every fact missing unless a test sets it (<c>with { ... }</c>).</summary>
internal static class Snap
{
    public static readonly DateTimeOffset T0 = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    public static Fact<T> Known<T>(T value, string source = "test") where T : class => new(value, source);

    public static DoctorSnapshot Empty(DateTimeOffset? at = null) => new()
    {
        At = at ?? T0,
        Settings = Fact<KernelSettingsView>.Missing("settings", "not set"),
        Conntrack = Fact<KernelConntrackFacts>.Missing("conntrack", "not set"),
        CpuStats = Fact<IReadOnlyList<CpuStats>>.Missing("cpu", "not set"),
        Interfaces = Fact<IReadOnlyList<NetworkInterfaceInfo>>.Missing("links", "not set"),
        Routes = Fact<IReadOnlyList<RouteInfo>>.Missing("routes", "not set"),
        RoutingRules = Fact<IReadOnlyList<RoutingRule>>.Missing("rules", "not set"),
        Softnet = Fact<IReadOnlyList<SoftnetCpu>>.Missing("softnet", "not set"),
        Interrupts = Fact<InterruptTable>.Missing("interrupts", "not set"),
        Rps = Fact<IReadOnlyList<RpsQueue>>.Missing("rps", "not set"),
        Offloads = Fact<IReadOnlyList<InterfaceOffloads>>.Missing("offloads", "not set"),
        KernelLog = Known<IReadOnlyList<KernelLogLine>>([], "/dev/kmsg"),
        Rules = Known<IReadOnlyList<NatRule>>([]),
        SnatPorts = Fact<IReadOnlyList<SnatPortUse>>.Missing("snat", "not set"),
        States = Fact<StateCensus>.Missing("states", "not set"),
    };

    /// <summary><paramref name="after"/> taken 10 s after <paramref name="before"/>, with it as the previous snapshot.</summary>
    public static DoctorSnapshot Then(this DoctorSnapshot before, Func<DoctorSnapshot, DoctorSnapshot> change) =>
        change(before) with { At = before.At.AddSeconds(10), Previous = before };

    public static KernelConntrackFacts Conntrack(long count, long max, long? buckets = null, int? events = 2) => new()
    {
        Kernel = KernelVersion.Parse("6.18.0"),
        MemTotalBytes = 8L << 30,
        Count = count,
        ConntrackMax = max,
        Buckets = buckets ?? max,
        EventsMode = events,
    };

    public static IReadOnlyList<CpuStats> Cpu(uint insertFailed = 0, uint drop = 0, uint earlyDrop = 0, uint clash = 0, uint chain = 0) =>
        [new CpuStats(0, 0, 0, 100, insertFailed, drop, earlyDrop, 0, 0, clash, chain), new CpuStats(1, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0)];

    public static KernelSettingsView Settings(bool forwarding = true, int all = 0, params (string Iface, int Own)[] interfaces) =>
        new(forwarding, false, new RpFilterValues(all, 0, interfaces.ToDictionary(i => i.Iface, i => i.Own)),
            interfaces.Select(i => new InterfaceRpFilter(i.Iface, i.Own, RpFilterModes.Effective(all, i.Own), "test")).ToList(), [], [], []);

    public static NetworkInterfaceInfo Nic(string name, int index, int mtu = 1500, LinkKind kind = LinkKind.Device, int? lower = null,
        string? address = null, InterfaceCounters counters = default) =>
        new(name, index, "up", true, mtu, null,
            address is null ? [] : [new InterfaceAddress(IPAddress.Parse(address.Split('/')[0]), int.Parse(address.Split('/')[1]))], counters)
        { Kind = kind, KindName = kind.ToString().ToLowerInvariant(), LowerIndex = lower };

    public static MasqueradeRule Masquerade(string name, string outInterface, string? source = null, string? ports = null, NatOptions options = NatOptions.None) => new()
    {
        Name = name,
        OutInterfaces = [outInterface],
        SourceCidrs = source is null ? [] : [IpPrefix.Parse(source)],
        Protocol = ports is null ? null : NatProtocol.Tcp,
        Ports = ports is null ? null : NatGateway.Nat.PortRange.Parse(ports),
        Options = options,
    };

    public static DnatRule Dnat(string name, string inInterface, string target) => new()
    {
        Name = name,
        InInterfaces = [inInterface],
        DestinationPort = new NatGateway.Nat.PortRange(8080),
        TargetAddress = AddressPool.Single(IPAddress.Parse(target)),
    };

    public static Evidence Find(this CheckResult result, string namePart) =>
        result.Evidence.FirstOrDefault(e => e.Name.Contains(namePart, StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"no evidence named like '{namePart}': {string.Join("; ", result.Evidence.Select(e => e.Name))}");
}
