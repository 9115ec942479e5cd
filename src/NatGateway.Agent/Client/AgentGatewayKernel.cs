using System.Text.Json;
using NatGateway.Agent.Protocol;
using NatGateway.Capacity.Kernel;
using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Core.Kernel;
using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Agent.Client;

/// <summary>
/// <see cref="IGatewayKernel"/> in agent mode (<c>natgw serve --agent PATH</c>): every operation is a request to
/// <c>natgw agent</c>; errors come back as the exceptions single-process mode throws, and an unreachable agent as
/// <see cref="KernelUnavailableException"/> with <see cref="Availability"/> saying why until it answers again.
/// </summary>
public sealed class AgentGatewayKernel : IGatewayKernel, IDisposable
{
    private readonly AgentConnectionPool _pool;

    public AgentGatewayKernel(string socketPath)
    {
        _pool = new AgentConnectionPool(socketPath);
        Sysctl = new RemoteSysctl(this);
        NatTables = new RemoteNatTables(this);
        Conntrack = new RemoteConntrackKernel(this, _pool);
        Persistence = new RemotePersistence(this);
    }

    public string SocketPath => _pool.SocketPath;
    public ISysctl Sysctl { get; }
    public INatTables NatTables { get; }
    public IConntrackKernel Conntrack { get; }
    public ISettingsPersistence Persistence { get; }
    public IKernelAvailability Availability => _pool.Availability;

    internal AgentResponse Call(AgentRequest request) => _pool.Run(c => c.Call(request));

    public IReadOnlyList<NetworkInterfaceInfo> ListInterfaces() => Call(new AgentRequest { Op = AgentOperation.ListInterfaces }).Interfaces ?? [];

    public IReadOnlyList<RouteInfo> ListRoutes() => Call(new AgentRequest { Op = AgentOperation.ListRoutes }).Routes ?? [];

    public KernelConntrackFacts ReadConntrackFacts() =>
        Call(new AgentRequest { Op = AgentOperation.ReadConntrackFacts }).Facts ?? throw new IOException("natgw agent: no facts in the answer");

    /// <summary>A request carrying rules in the REST JSON shape (what the agent parses and validates like any user input),
    /// written straight into the payload: no JsonDocument of 10,000 rules parsed, cloned and written out again.</summary>
    internal AgentResponse CallWithRules(AgentOperation op, IReadOnlyList<NatRule> rules)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 * 1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("op");
            JsonSerializer.Serialize(writer, op, AgentJson.Options);
            writer.WriteStartArray("rules");
            foreach (var rule in rules) NatRuleJson.Write(writer, rule);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return _pool.Run(c => c.Call(buffer.WrittenSpan));
    }

    public void Dispose() => _pool.Dispose();
}

/// <summary>/proc/sys through the agent (managed keys only; the agent refuses the rest).</summary>
public sealed class RemoteSysctl(AgentGatewayKernel kernel) : ISysctl
{
    public string Read(SysctlKey key) => kernel.Call(new AgentRequest { Op = AgentOperation.SysctlRead, Key = [.. key.Segments] }).Text ?? "";

    public string? TryRead(SysctlKey key) => kernel.Call(new AgentRequest { Op = AgentOperation.SysctlTryRead, Key = [.. key.Segments] }).Text;

    public void Write(SysctlKey key, string value) => kernel.Call(new AgentRequest { Op = AgentOperation.SysctlWrite, Key = [.. key.Segments], Value = value });

    public bool IsWritable(SysctlKey key) => kernel.Call(new AgentRequest { Op = AgentOperation.SysctlIsWritable, Key = [.. key.Segments] }).Flag ?? false;
}

/// <summary>Our nftables tables through the agent: rule lists in their REST shape, compiled by the agent.</summary>
public sealed class RemoteNatTables(AgentGatewayKernel kernel) : INatTables
{
    public ApplyResult Apply(IReadOnlyList<NatRule> rules)
    {
        var r = kernel.CallWithRules(AgentOperation.NatApply, rules).Apply
            ?? throw new IOException("natgw agent: no apply result");
        return new ApplyResult(TimeSpan.FromTicks(r.DurationTicks), r.CommandCount);
    }

    public void Check(IReadOnlyList<NatRule> rules) =>
        kernel.CallWithRules(AgentOperation.NatCheck, rules);

    public string Render(IReadOnlyList<NatRule> rules) =>
        kernel.CallWithRules(AgentOperation.NatRender, rules).Text ?? "";

    public string ListText() => kernel.Call(new AgentRequest { Op = AgentOperation.NatListText }).Text ?? "";

    public IReadOnlyDictionary<Guid, RuleCounters> ReadCounters() =>
        (kernel.Call(new AgentRequest { Op = AgentOperation.NatReadCounters }).Counters ?? []).ToDictionary(c => c.RuleId);

    public DriftReport DetectDrift(IReadOnlyList<NatRule> rules) =>
        kernel.CallWithRules(AgentOperation.NatDetectDrift, rules).Drift
            ?? throw new IOException("natgw agent: no drift report");
}

/// <summary>Conntrack through the agent: dumps arrive as the kernel's datagrams and are decoded here.</summary>
public sealed class RemoteConntrackKernel(AgentGatewayKernel kernel, AgentConnectionPool pool) : IConntrackKernel
{
    public ConntrackTableStats ReadTableStats() => kernel.Call(new AgentRequest { Op = AgentOperation.ConntrackTableStats }).TableStats ?? default;

    public IReadOnlyList<CpuStats> ReadCpuStats() => kernel.Call(new AgentRequest { Op = AgentOperation.ConntrackCpuStats }).CpuStats ?? [];

    public long Dump(FlowHandler onFlow, IPFamily family = IPFamily.Any, DumpFilter? kernelFilter = null)
    {
        long count = 0;
        var request = new AgentRequest { Op = AgentOperation.ConntrackDump, Family = family, KernelFilter = DumpFilterWire.From(kernelFilter) };
        pool.Run(c => c.Call(request, data => count += RawRelay.DecodeDump(data.Span, kernelFilter, onFlow)));
        return count;
    }

    public long Count(IPFamily family = IPFamily.Any, DumpFilter? kernelFilter = null) =>
        kernel.Call(new AgentRequest { Op = AgentOperation.ConntrackCount, Family = family, KernelFilter = DumpFilterWire.From(kernelFilter) }).Number ?? 0;

    public int Delete(IPFamily family, DumpFilter? kernelFilter, FlowFilter? filter) =>
        (int)(kernel.Call(new AgentRequest
        {
            Op = AgentOperation.ConntrackDelete, Family = family, KernelFilter = DumpFilterWire.From(kernelFilter),
            Filter = filter is null || filter.IsAll ? null : filter.ToString(),
        }).Number ?? 0);

    public int DeleteFlows(IReadOnlyList<Flow> flows)
    {
        if (flows.Count == 0) return 0;
        var deleted = 0;
        // Batches below the agent's cap; each is one request.
        foreach (var chunk in flows.Chunk(Protocol.AgentProtocol.MaxDeleteFlows / 2))
            deleted += (int)(kernel.Call(new AgentRequest
            {
                Op = AgentOperation.ConntrackDeleteFlows,
                Flows = chunk.Select(f => new FlowKeyWire(TupleWire.From(f.Original), f.Zone, (f.Present & FlowFields.Id) != 0 ? f.Id : null)).ToArray(),
            }).Number ?? 0);
        return deleted;
    }

    public void Flush(IPFamily family) => kernel.Call(new AgentRequest { Op = AgentOperation.ConntrackFlush, Family = family });

    public IConntrackMirrorSource OpenMirrorSource() => new RemoteMirrorSource(pool);

    public IFlowEventStream OpenEvents(FlowEventGroups groups) => RelayStream.OpenEvents(pool, groups);
}

/// <summary>The boot-time files through the agent (by kind; the agent owns the paths).</summary>
public sealed class RemotePersistence(AgentGatewayKernel kernel) : ISettingsPersistence
{
    public string WriteSysctls(PersistedFile file, IReadOnlyList<PersistedSysctl> values) =>
        kernel.Call(new AgentRequest
        {
            Op = AgentOperation.PersistSysctls, File = file,
            Sysctls = values.Select(v => new PersistedSysctlWire([.. v.Key.Segments], v.Value, v.SkipWhenMissing)).ToArray(),
        }).Text ?? "";

    public string WriteConntrackHashsize(long buckets) =>
        kernel.Call(new AgentRequest { Op = AgentOperation.PersistConntrackHashsize, Buckets = buckets }).Text ?? "";
}
