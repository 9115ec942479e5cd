using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Model;

namespace NatGateway.Capacity.Planning;

/// <summary>
/// Inputs of <c>natgw plan</c> / POST /api/v1/capacity/plan. Give the load as <see cref="ExpectedEntries"/> or
/// <see cref="Rates"/>, and/or a memory budget (absolute or a share of RAM); with only a budget the plan is the
/// largest table that fits.
/// </summary>
public sealed record CapacityPlanRequest
{
    /// <summary>Expected concurrent conntrack entries (<c>natgw plan --entries N</c>).</summary>
    public long? ExpectedEntries { get; init; }
    /// <summary>New connections per second per protocol; used when <see cref="ExpectedEntries"/> is not given.</summary>
    public ConnectionRates? Rates { get; init; }
    /// <summary>
    /// Rules with a conntrack timeout policy and the share of <see cref="Rates"/> they carry: their flows are counted with the
    /// policy's timeouts (used with <see cref="Rates"/> only).
    /// </summary>
    public IReadOnlyList<RuleTimeoutLoad> RuleTimeouts { get; init; } = [];
    public long? MemoryBudgetBytes { get; init; }
    /// <summary>Budget as a share of MemTotal (0.1 = 10%); ignored when <see cref="MemoryBudgetBytes"/> is set.</summary>
    public double? MemoryBudgetShareOfRam { get; init; }
    /// <summary>Peak over average load; 1 means the expected entries already are the peak.</summary>
    public double PeakFactor { get; init; } = 1.0;
    /// <summary>Target conntrack entries per bucket at a full table (kernel default 1; each entry hashes twice, so chains hold 2 × this).</summary>
    public double TargetLoadFactor { get; init; } = 1.0;
    /// <summary>Extensions each entry carries; null means derive them from the kernel's sysctls (<see cref="ExtensionsFromKernel"/>).</summary>
    public ConntrackExtensions? Extensions { get; init; }
    /// <summary>Masquerade in use: adds the NAT extension when extensions are derived from the kernel.</summary>
    public bool Masquerade { get; init; }
    /// <summary>A ctnetlink event listener runs (conntrack -E, the product's live view): adds the ecache extension under nf_conntrack_events=2.</summary>
    public bool EventListener { get; init; }
    /// <summary>The SNAT rule's port range, if it names one.</summary>
    public PortRange? SnatPortRange { get; init; }
    public int SnatAddresses { get; init; } = 1;
    /// <summary>Concurrent flows wanted towards one destination address+port through SNAT.</summary>
    public long? SnatTargetFlowsPerDestination { get; init; }

    /// <summary>The extensions new entries get on this kernel: acct and tstamp from their sysctls, ecache from nf_conntrack_events, NAT for masquerade.</summary>
    public ConntrackExtensions ExtensionsFromKernel(KernelConntrackFacts facts)
    {
        var set = ConntrackExtensions.None;
        if (facts.Accounting) set |= ConntrackExtensions.Acct;
        if (facts.Timestamps) set |= ConntrackExtensions.Tstamp;
        if (facts.EventsMode == 1 || (facts.EventsMode == 2 && EventListener)) set |= ConntrackExtensions.Ecache;
        if (Masquerade) set |= ConntrackExtensions.Nat;
        return set;
    }
}
