using System.Text.Json;
using NatGateway.Conntrack;
using NatGateway.Core.Kernel;

namespace NatGateway.Agent.Protocol;

/// <summary>
/// One request: the operation and its arguments as data. Only the fields the operation uses are set; the agent checks
/// every one as if a user had typed it (rules through NatRuleJson + NatRuleValidator, sysctls through SysctlPolicy,
/// filter text through FlowFilter.Parse).
/// </summary>
public sealed record AgentRequest
{
    public required AgentOperation Op { get; init; }

    /// <summary>Sysctl key as its segments (never parsed from dotted text: interface names may contain dots).</summary>
    public string[]? Key { get; init; }
    public string? Value { get; init; }

    /// <summary>NAT rules in the REST JSON shape (NatRuleJson), an array.</summary>
    public JsonElement? Rules { get; init; }

    /// <summary>
    /// Instead of <see cref="Rules"/>, for <see cref="AgentOperation.NatApply"/> of a list this agent prepared: the SHA-256
    /// (hex) of the rules array's exact bytes as they were sent. Only a list that passed validation is found by it.
    /// </summary>
    public string? RulesHash { get; init; }

    /// <summary>Interfaces to MSS-clamp, compiled with <see cref="Rules"/> (real interface names, at most 256).</summary>
    public string[]? MssClamp { get; init; }

    public IPFamily? Family { get; init; }
    public DumpFilterWire? KernelFilter { get; init; }

    /// <summary>A FlowFilter in its canonical text.</summary>
    public string? Filter { get; init; }
    public FlowKeyWire[]? Flows { get; init; }
    public FlowEventGroups? Groups { get; init; }

    public PersistedFile? File { get; init; }
    public PersistedSysctlWire[]? Sysctls { get; init; }
    public long? Buckets { get; init; }

    /// <summary>An interface name (no wildcard), for per-interface operations such as <see cref="AgentOperation.DiagnosticsSetLro"/>.</summary>
    public string? Interface { get; init; }
    public bool? Enabled { get; init; }
    public ulong? Sequence { get; init; }
    public long? DurationMilliseconds { get; init; }

    /// <summary>The packet to trace live (<see cref="AgentOperation.TraceCapture"/>), with <see cref="MaxPackets"/>.</summary>
    public ProbeWire? Probe { get; init; }
    public int? MaxPackets { get; init; }

    /// <summary>The pair's configuration (<see cref="AgentOperation.ClusterApply"/>), checked by
    /// <see cref="Server.RequestValidation.Cluster"/> before any file is written.</summary>
    public NatGateway.Core.Cluster.ClusterConfig? Cluster { get; init; }
    /// <summary>The state keepalived reports (<see cref="AgentOperation.ClusterNotify"/>): primary, backup or fault.</summary>
    public NatGateway.Core.Cluster.VrrpState? VrrpState { get; init; }
    /// <summary>Why (a notify, a manual fail-over): shown on the Cluster page; at most 200 characters.</summary>
    public string? Reason { get; init; }
}

/// <summary><see cref="NatGateway.Core.Tracing.PacketProbe"/> with every field optional, so a missing one is a field error.</summary>
public sealed record ProbeWire
{
    public NatGateway.Nat.NatFamily? Family { get; init; }
    public NatGateway.Core.Tracing.ProbeProtocol? Protocol { get; init; }
    public string? Source { get; init; }
    public string? Destination { get; init; }
    public int? SourcePort { get; init; }
    public int? DestinationPort { get; init; }
    public string? InInterface { get; init; }
}
