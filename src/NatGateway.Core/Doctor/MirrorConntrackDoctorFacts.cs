using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Core.Conntrack;
using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Core.Doctor;

/// <summary>
/// SNAT port use and the state census from the conntrack mirror when it is live, else from ONE streamed dump (the doctor
/// never starts the mirror: a gateway nobody browses should not pay for a full copy of the table). A doctor run reads
/// both in one pass (<see cref="ReadAsync"/>); the meter alone (metrics) uses the kernel-side SRC_NAT filter. Both
/// aggregate while the entries stream past; no list of entries is built.
/// </summary>
public sealed class MirrorConntrackDoctorFacts(
    IGatewayKernel kernel,
    RevisionStore revisions,
    NatCompileOptions compileOptions,
    ConntrackMirrorService? mirror = null) : IConntrackDoctorFacts
{
    /// <summary>The kernel-side part of the SNAT dump: entries with IPS_SRC_NAT only (CTA_STATUS/CTA_STATUS_MASK, kernel
    /// 6.1+; an older kernel ignores it and the meter checks the bit on every entry anyway).</summary>
    public static DumpFilter SourceNatDumpFilter { get; } = new() { Status = FlowStatus.SourceNat, StatusMask = FlowStatus.SourceNat };

    private static readonly FlowFilter SourceNatFilter = FlowFilter.Parse("status snat");

    public async Task<IReadOnlyList<SnatPortUse>> SnatPortUseAsync(int limit, CancellationToken ct)
    {
        // Rules in force, not the draft: the entries were made by what the kernel runs.
        var byMarkId = await RulesByMarkIdAsync(ct).ConfigureAwait(false);
        var meter = new SnatPortMeter();
        void OnFlow(in Flow flow) => meter.Add(in flow, compileOptions.MarkIdOf(flow.Mark));
        ct.ThrowIfCancellationRequested();
        if (mirror?.TryScan(SourceNatFilter, OnFlow) != true)
            await Task.Run(() => kernel.Conntrack.Dump(OnFlow, IPFamily.Any, SourceNatDumpFilter), ct).ConfigureAwait(false);
        return meter.Result(byMarkId, limit);
    }

    public async Task<ConntrackDoctorReading> ReadAsync(int snatLimit, CancellationToken ct)
    {
        var byMarkId = await RulesByMarkIdAsync(ct).ConfigureAwait(false);
        var meter = new SnatPortMeter();
        var counter = new StateCensusCounter();
        // One pass over the whole table feeds both: the meter skips what is not SNAT itself (SnatPortMeter.Add checks
        // IPS_SRC_NAT on every entry), so the kernel-side SRC_NAT filter of SnatPortUseAsync is not needed here.
        void OnFlow(in Flow flow)
        {
            counter.Add(in flow);
            meter.Add(in flow, compileOptions.MarkIdOf(flow.Mark));
        }
        ct.ThrowIfCancellationRequested();
        if (mirror?.TryScan(FlowFilter.All, OnFlow) != true)
            await Task.Run(() => kernel.Conntrack.Dump(OnFlow), ct).ConfigureAwait(false);
        var timeouts = await Task.Run(kernel.ReadConntrackFacts, ct).ConfigureAwait(false);
        return new ConntrackDoctorReading(meter.Result(byMarkId, snatLimit), counter.Result(timeouts.Timeouts));
    }

    private async Task<Dictionary<int, NatRule>> RulesByMarkIdAsync(CancellationToken ct)
    {
        var rules = await revisions.RulesInForceAsync(ct).ConfigureAwait(false);
        var byMarkId = new Dictionary<int, NatRule>();
        foreach (var rule in rules)
            if (rule.MarkId > 0) byMarkId.TryAdd(rule.MarkId, rule);
        return byMarkId;
    }
}
