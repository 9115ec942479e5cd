using System.Net;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Tests.Fakes;

/// <summary>An in-memory /proc/sys for pure-logic tests of the settings service and pages (the kernel tests use the real one).</summary>
public sealed class InMemorySysctl : ISysctl
{
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
    public HashSet<string> ReadOnly { get; } = new(StringComparer.Ordinal);
    /// <summary>Keys whose next write fails as the kernel would with EINVAL.</summary>
    public HashSet<string> Rejecting { get; } = new(StringComparer.Ordinal);
    public List<(string Key, string Value)> Writes { get; } = new();
    /// <summary>When set, every write throws it (e.g. a <see cref="KernelUnavailableException"/>: the agent died).</summary>
    public Exception? WriteFailure { get; set; }

    public string Read(SysctlKey key) => TryRead(key) ?? throw new SysctlException(key, SysctlFailure.Missing, $"{key.Name} does not exist");

    public string? TryRead(SysctlKey key) => Values.GetValueOrDefault(key.Name);

    public void Write(SysctlKey key, string value)
    {
        if (WriteFailure is { } failure) throw failure;
        if (!Values.ContainsKey(key.Name)) throw new SysctlException(key, SysctlFailure.Missing, $"{key.Name} does not exist");
        if (ReadOnly.Contains(key.Name)) throw new SysctlException(key, SysctlFailure.ReadOnly, $"{key.Name} is read-only here");
        if (Rejecting.Contains(key.Name)) throw new SysctlException(key, SysctlFailure.Rejected, $"the kernel rejected '{value}' for {key.Name}");
        Values[key.Name] = value;
        Writes.Add((key.Name, value));
    }

    public bool IsWritable(SysctlKey key) => Values.ContainsKey(key.Name) && !ReadOnly.Contains(key.Name);
}

public sealed class InMemoryKernel : IGatewayKernel
{
    private readonly InMemorySysctl _sysctl = new();

    public InMemoryKernel(params string[] interfaces)
    {
        _sysctl.Values["net.ipv4.ip_forward"] = "0";
        _sysctl.Values["net.ipv6.conf.all.forwarding"] = "0";
        _sysctl.Values["net.ipv4.conf.all.rp_filter"] = "0";
        _sysctl.Values["net.ipv4.conf.default.rp_filter"] = "1";
        var index = 1;
        foreach (var name in interfaces.Prepend("lo"))
        {
            _sysctl.Values[SysctlKey.RpFilter(name).Name] = "0";
            Interfaces.Add(new NetworkInterfaceInfo(name, index++, name == "lo" ? "unknown" : "up", true, name == "lo" ? 65536 : 1500, null,
                name == "lo" ? [new InterfaceAddress(IPAddress.Loopback, 8)] : [], new InterfaceCounters(1000UL * (ulong)index, 10UL * (ulong)index, 500, 5, 0, 0)));
        }
    }

    public InMemorySysctl Memory => _sysctl;
    public RecordingNatTables RecordingNftables { get; } = new();
    public INatTables NatTables => RecordingNftables;
    public ISysctl Sysctl => _sysctl;
    public List<NetworkInterfaceInfo> Interfaces { get; } = new();
    public List<RouteInfo> Routes { get; } = new();

    /// <summary>No conntrack table unless the test gives one (page tests set a synthetic table).</summary>
    public IConntrackKernel Conntrack { get; set; } = new NoConntrackTable();

    /// <summary>Boot-time files go to a temp folder; tests that read them point it at their own folder.</summary>
    public ISettingsPersistence Persistence { get; set; } =
        new FilePersistence(new PersistencePaths(Path.Combine(Path.GetTempPath(), "natgw-inmemory", "sysctl.d"), Path.Combine(Path.GetTempPath(), "natgw-inmemory", "modprobe.d")));

    /// <summary>Always available unless a test sets its own (outage and recovery tests).</summary>
    public IKernelAvailability Availability { get; set; } = AlwaysAvailable.Instance;

    /// <summary>Host facts the test sets (a quiet 2-CPU host with nothing wrong unless changed).</summary>
    public FakeHostDiagnostics FakeDiagnostics { get; } = new();
    public IHostDiagnostics Diagnostics => FakeDiagnostics;

    /// <summary>Live tracing: unavailable unless a test sets its own.</summary>
    public IPacketTracing Tracing { get; set; } = new UnbuiltPacketTracing();
    /// <summary>keepalived/conntrackd without daemons (<see cref="FakeClusterServices"/>).</summary>
    public IClusterServices Cluster { get; set; } = new FakeClusterServices();

    /// <summary>What ReadConntrackFacts returns (a 24 GiB 6.18 host with the default table).</summary>
    public NatGateway.Capacity.Kernel.KernelConntrackFacts Facts { get; set; } = new()
    {
        Kernel = NatGateway.Capacity.Kernel.KernelVersion.Parse("6.18.0"),
        MemTotalBytes = 24L << 30,
        ConntrackMax = 262_144,
        Buckets = 262_144,
        Count = 1000,
    };

    public NatGateway.Capacity.Kernel.KernelConntrackFacts ReadConntrackFacts() => Facts;

    public IReadOnlyList<NetworkInterfaceInfo> ListInterfaces() => Interfaces;

    public IReadOnlyList<RouteInfo> ListRoutes() => Routes;

    public NatGateway.Nat.HostFacts ReadHostFacts() => new(
        Interfaces.Select(i => new NatGateway.Nat.HostInterface(i.Name, i.Addresses.Select(a => a.Address).ToList())).ToList(),
        Sysctl.TryRead(SysctlKey.Ipv4Forwarding) is { } v4 && v4 != "0",
        Sysctl.TryRead(SysctlKey.Ipv6Forwarding) is { } v6 && v6 != "0");

    /// <summary>Points the boot-time files at <paramref name="directory"/> (sysctl.d/ and modprobe.d/ under it).</summary>
    public void PersistTo(string directory) =>
        Persistence = new FilePersistence(new PersistencePaths(Path.Combine(directory, "sysctl.d"), Path.Combine(directory, "modprobe.d")));
}

/// <summary>The in-memory kernel has no conntrack table; kernel tests cover it.</summary>
public sealed class NoConntrackTable : IConntrackKernel
{
    private static NotSupportedException None() => new("the in-memory kernel has no conntrack table; kernel tests cover it");
    public NatGateway.Conntrack.ConntrackTableStats ReadTableStats() => throw None();
    public IReadOnlyList<NatGateway.Conntrack.CpuStats> ReadCpuStats() => throw None();
    public long Dump(NatGateway.Conntrack.FlowHandler onFlow, NatGateway.Conntrack.IPFamily family = NatGateway.Conntrack.IPFamily.Any, NatGateway.Conntrack.DumpFilter? kernelFilter = null) => throw None();
    public long Count(NatGateway.Conntrack.IPFamily family = NatGateway.Conntrack.IPFamily.Any, NatGateway.Conntrack.DumpFilter? kernelFilter = null) => throw None();
    public int Delete(NatGateway.Conntrack.IPFamily family, NatGateway.Conntrack.DumpFilter? kernelFilter, NatGateway.Conntrack.Mirror.Query.FlowFilter? filter) => throw None();
    public int DeleteFlows(IReadOnlyList<NatGateway.Conntrack.Flow> flows) => throw None();
    public void Flush(NatGateway.Conntrack.IPFamily family) => throw None();
    public NatGateway.Conntrack.Mirror.IConntrackMirrorSource OpenMirrorSource() => throw None();
    public NatGateway.Conntrack.Mirror.IFlowEventStream OpenEvents(NatGateway.Conntrack.FlowEventGroups groups) => throw None();
}

/// <summary>
/// Records applied rulesets (as their compiled batch JSON) instead of running them, and lists no tables, so a revision in
/// force always shows as drift; for page tests that must not need libnftables. Rendering uses the real kernel in a
/// scratch namespace (the tests run as root), as the app does.
/// </summary>
public sealed class RecordingNatTables : INatTables
{
    private readonly NatGateway.Nftables.NatCompileOptions _options = new();

    public List<string> Batches { get; } = new();

    /// <summary>When set, every apply throws it before recording (e.g. a <see cref="KernelUnavailableException"/>).</summary>
    public Exception? ApplyFailure { get; set; }

    public NatGateway.Nftables.ApplyResult Apply(IReadOnlyList<NatGateway.Nat.NatRule> rules, IReadOnlyList<string>? mssClamp = null)
    {
        if (ApplyFailure is { } failure) throw failure;
        var compiled = NatGateway.Nftables.NatRulesetCompiler.Compile(rules, _options, mssClamp ?? []);
        Batches.Add(compiled.Json);
        return new NatGateway.Nftables.ApplyResult(TimeSpan.Zero, compiled.Batch.Commands.Count);
    }

    public void Check(IReadOnlyList<NatGateway.Nat.NatRule> rules, IReadOnlyList<string>? mssClamp = null) =>
        NatGateway.Nftables.NatRulesetCompiler.Compile(rules, _options, mssClamp ?? []);

    public string Render(IReadOnlyList<NatGateway.Nat.NatRule> rules, IReadOnlyList<string>? mssClamp = null) =>
        NatGateway.Nftables.NftablesNatEngine.RenderInScratchNamespace(NatGateway.Nftables.NatRulesetCompiler.Compile(rules, _options, mssClamp ?? []));

    public string ListText() => "";

    /// <summary>How many times the counters were read (each is a listing of the whole table in the real kernel).</summary>
    public int CounterReads => Volatile.Read(ref _counterReads);
    private int _counterReads;

    /// <summary>Moves with every apply, as the kernel's ruleset generation does with every commit.</summary>
    public uint? Generation() => (uint)Batches.Count;

    public IReadOnlyDictionary<Guid, NatGateway.Nftables.RuleCounters> ReadCounters()
    {
        Interlocked.Increment(ref _counterReads);
        return new Dictionary<Guid, NatGateway.Nftables.RuleCounters>();
    }

    /// <summary>How many drift checks reached the kernel side.</summary>
    public int DriftChecks { get; private set; }

    public NatGateway.Nftables.DriftReport DetectDrift(IReadOnlyList<NatGateway.Nat.NatRule> rules, IReadOnlyList<string>? mssClamp = null)
    {
        DriftChecks++;
        var expected = Render(rules, mssClamp);
        return new NatGateway.Nftables.DriftReport(true, expected.Split('\n').Where(l => l.Trim().Length > 0).Select(l => "- " + l).ToList(), expected, "");
    }
}

/// <summary>Settable host facts for doctor tests: every list is what the test puts in it.</summary>
public sealed class FakeHostDiagnostics : IHostDiagnostics
{
    public List<SoftnetCpu> Softnet { get; } = [new(0, 1000, 0, 0, 0, 0), new(1, 1000, 0, 0, 0, 0)];
    public InterruptTable Interrupts { get; set; } = new(2, []);
    public List<RpsQueue> Rps { get; } = [];
    public List<InterfaceOffloads> Offloads { get; } = [];
    public List<(string Interface, bool Enabled)> LroChanges { get; } = [];
    public List<RoutingRule> RoutingRules { get; } = [];
    /// <summary>The foreign tables' forward chains lint reads (none: no other table on this host).</summary>
    public List<ForeignForwardChain> ForeignChains { get; } = [];
    public List<KernelLogLine> KernelLog { get; } = [];
    public DropCapture? Capture { get; set; }

    public IReadOnlyList<SoftnetCpu> ReadSoftnet() => Softnet;
    public InterruptTable ReadInterrupts() => Interrupts;
    public IReadOnlyList<RpsQueue> ReadRps() => Rps;
    public IReadOnlyList<InterfaceOffloads> ReadOffloads() => Offloads;

    public void SetLro(string interfaceName, bool enabled)
    {
        LroChanges.Add((interfaceName, enabled));
        var i = Offloads.FindIndex(o => o.Interface == interfaceName);
        if (i >= 0) Offloads[i] = Offloads[i] with { LroActive = enabled };
    }

    public IReadOnlyList<RoutingRule> ListRoutingRules() => RoutingRules;

    public IReadOnlyList<ForeignForwardChain> ListForeignForwardChains() => ForeignChains;

    public KernelLogRead ReadKernelLog(ulong afterSequence)
    {
        var lines = KernelLog.Where(l => l.Sequence > afterSequence).ToList();
        return new KernelLogRead(lines, lines.Count > 0 ? lines[^1].Sequence : afterSequence, true, null);
    }

    /// <summary>When set, runs instead of returning <see cref="Capture"/> (a test that holds a capture open).</summary>
    public Func<TimeSpan, DropCapture>? CaptureBy { get; set; }

    public DropCapture CaptureDrops(TimeSpan duration) =>
        CaptureBy?.Invoke(duration) ?? Capture ?? throw new NotSupportedException("no capture in this fake");
}

/// <summary>
/// Live tracing with scripted answers: checks its arguments like <see cref="LocalPacketTracing"/> (same
/// <see cref="TraceLimits"/>), records every probe, and answers with <see cref="Packets"/> or refuses with
/// <see cref="Refusal"/>. Set <c>InMemoryKernel.Tracing</c> to one of these.
/// </summary>
public sealed class FakePacketTracing : IPacketTracing
{
    /// <summary>What <see cref="Capture"/> returns (cut to maxPackets), from the probe.</summary>
    public Func<NatGateway.Core.Tracing.PacketProbe, IReadOnlyList<NatGateway.Core.Tracing.TracedPacket>> Packets { get; set; } = _ => [];

    /// <summary>When set, <see cref="Capture"/> refuses with this refusal and reason.</summary>
    public (NatGateway.Core.Tracing.TraceRefusal Refusal, string Reason)? Refusal { get; set; }

    public List<(NatGateway.Core.Tracing.PacketProbe Probe, TimeSpan Window, int MaxPackets)> Calls { get; } = [];

    public IReadOnlyList<NatGateway.Core.Tracing.TracedPacket> Capture(NatGateway.Core.Tracing.PacketProbe probe, TimeSpan window, int maxPackets)
    {
        if (TraceLimits.ProbeProblem(probe) is { } problem) throw new ArgumentException(problem.Message, problem.Field);
        if (TraceLimits.WindowProblem(window) is { } w) throw new ArgumentException(w, "window");
        if (TraceLimits.PacketsProblem(maxPackets) is { } p) throw new ArgumentException(p, "maxPackets");
        lock (Calls) Calls.Add((probe, window, maxPackets));
        if (Refusal is { } r) throw new NatGateway.Core.Tracing.TraceUnavailableException(r.Reason, r.Refusal);
        return Packets(probe).Take(maxPackets).ToList();
    }
}
