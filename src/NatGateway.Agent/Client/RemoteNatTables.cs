using NatGateway.Agent.Protocol;
using NatGateway.Core.Kernel;
using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Agent.Client;

/// <summary>Our nftables tables through the agent: rule lists in their REST shape, compiled by the agent.</summary>
public sealed class RemoteNatTables(AgentGatewayKernel kernel) : INatTables
{
    public ApplyResult Apply(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null)
    {
        var r = kernel.CallWithRules(AgentOperation.NatApply, rules, mssClamp).Apply
            ?? throw new IOException("natgw agent: no apply result");
        return new ApplyResult(TimeSpan.FromTicks(r.DurationTicks), r.CommandCount);
    }

    public bool Prepare(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null)
    {
        kernel.CallWithRules(AgentOperation.NatPrepare, rules, mssClamp);
        return true;
    }

    public RulesetDocuments? PreparedDocuments(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) =>
        kernel.PreparedDocuments(rules, mssClamp);

    public void Check(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) =>
        kernel.CallWithRules(AgentOperation.NatCheck, rules, mssClamp);

    public string Render(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) =>
        kernel.CallWithRules(AgentOperation.NatRender, rules, mssClamp).Text ?? "";

    public string ListText() => kernel.Call(new AgentRequest { Op = AgentOperation.NatListText }).Text ?? "";

    public IReadOnlyDictionary<Guid, RuleCounters> ReadCounters() =>
        (kernel.Call(new AgentRequest { Op = AgentOperation.NatReadCounters }).Counters ?? []).ToDictionary(c => c.RuleId);

    public uint? Generation() => kernel.Call(new AgentRequest { Op = AgentOperation.NatGeneration }).Number is { } n ? (uint)n : null;

    public DriftReport DetectDrift(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) =>
        kernel.CallWithRules(AgentOperation.NatDetectDrift, rules, mssClamp).Drift
            ?? throw new IOException("natgw agent: no drift report");
}
