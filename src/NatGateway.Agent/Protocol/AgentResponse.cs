using NatGateway.Capacity.Kernel;
using NatGateway.Conntrack;
using NatGateway.Core.Kernel;
using NatGateway.Nftables;

namespace NatGateway.Agent.Protocol;

/// <summary>A successful answer; only the field of the operation's result type is set.</summary>
public sealed record AgentResponse
{
    public string? Text { get; init; }
    public bool? Flag { get; init; }
    public long? Number { get; init; }
    public ApplyResultWire? Apply { get; init; }
    /// <summary>What <see cref="AgentOperation.NatPrepare"/> compiled (the batch and its listing text), from
    /// <see cref="AgentOperation.NatPreparedDocuments"/>: the revision stores it. Null: that list is not prepared here.</summary>
    public RulesetDocuments? Ruleset { get; init; }
    public RuleCounters[]? Counters { get; init; }
    public DriftReport? Drift { get; init; }
    public ConntrackTableStats? TableStats { get; init; }
    public CpuStats[]? CpuStats { get; init; }
    public KernelConntrackFacts? Facts { get; init; }
    public NetworkInterfaceInfo[]? Interfaces { get; init; }
    public NatGateway.Nat.HostFacts? HostFacts { get; init; }
    public RouteInfo[]? Routes { get; init; }
    public SoftnetCpu[]? Softnet { get; init; }
    public InterruptTable? Interrupts { get; init; }
    public RpsQueue[]? Rps { get; init; }
    public InterfaceOffloads[]? Offloads { get; init; }
    public RoutingRule[]? RoutingRules { get; init; }
    public KernelLogRead? KernelLog { get; init; }
    public DropCapture? Drops { get; init; }
    public NatGateway.Core.Tracing.TracedPacket[]? Trace { get; init; }
    public ForeignForwardChain[]? ForeignChains { get; init; }
    public NatGateway.Core.Cluster.ClusterServicesStatus? Cluster { get; init; }
}

/// <summary><see cref="ApplyResult"/> with its duration in ticks.</summary>
public sealed record ApplyResultWire(long DurationTicks, int CommandCount);
