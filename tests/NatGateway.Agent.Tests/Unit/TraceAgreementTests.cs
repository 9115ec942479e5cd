using System.Net;
using NatGateway.Core.Tracing;
using NatGateway.Nat;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Agent.Tests.Unit;

/// <summary>The corpus harness itself: seeded generation of valid cases, and the comparison finding each kind of disagreement.</summary>
public sealed class TraceAgreementTests
{
    private static readonly PacketProbe Probe = new(NatFamily.Ipv4, ProbeProtocol.Tcp, IPAddress.Parse("10.77.1.2"), IPAddress.Parse("10.77.1.1"), 0, 8080, "lan0");
    private static readonly Guid Web = Guid.NewGuid(), Out = Guid.NewGuid(), Other = Guid.NewGuid();

    private static StaticTrace Static(Guid? dnat, Guid? snat, string? outInterface = "wan0") =>
        new(Probe, [], dnat, snat, IPAddress.Parse("10.77.2.2"), 80, outInterface, null, "");

    private static TraceHop Hop(string chain, Guid? id, TraceVerdict verdict = TraceVerdict.Accept, string table = "natgw", TraceEventKind kind = TraceEventKind.Rule) =>
        new(table == "filter" ? "inet" : "ip", table, chain, kind, id is null && kind == TraceEventKind.Policy ? null : (ulong?)2, "rule", verdict, null, table == "natgw", id);

    private static LiveTrace Live(string? outInterface, params TraceHop[] hops) =>
        new(Probe, TimeSpan.FromSeconds(5), [new TracedPacket(1, "lan0", outInterface, hops)], false);

    [Fact]
    public void Matching_answers_agree()
    {
        var live = Live("wan0", Hop("prerouting", Web), Hop("forward", null, table: "filter", kind: TraceEventKind.Policy), Hop("postrouting", Out));
        Assert.Empty(TraceAgreement.Disagreements(Static(Web, Out), live));
        var unmatched = Live("wan0", Hop("prerouting", null, kind: TraceEventKind.Policy), Hop("postrouting", null, kind: TraceEventKind.Policy));
        Assert.Empty(TraceAgreement.Disagreements(Static(null, null), unmatched));
    }

    [Fact]
    public void Each_kind_of_difference_is_reported()
    {
        Assert.Contains("destination NAT", Assert.Single(TraceAgreement.Disagreements(Static(Web, null), Live("wan0", Hop("prerouting", Other)))));
        Assert.Contains("source NAT", Assert.Single(TraceAgreement.Disagreements(Static(null, Out), Live("wan0"))));
        Assert.Contains("routing", Assert.Single(TraceAgreement.Disagreements(Static(null, null, "wan0"), Live("lan0"))));
        Assert.Contains("names no rule", Assert.Single(TraceAgreement.Disagreements(Static(Web, null), Live("wan0", Hop("prerouting", null)))));
        Assert.Equal(["no packet was traced"], TraceAgreement.Disagreements(Static(null, null), new LiveTrace(Probe, TimeSpan.FromSeconds(5), [], false)));
    }

    [Fact]
    public void The_corpus_is_seeded_valid_and_varied()
    {
        var cases = TraceAgreement.Generate(20, 10, seed: 14);
        Assert.Equal(cases.Select(c => c.ToString()), TraceAgreement.Generate(20, 10, seed: 14).Select(c => c.ToString()));
        Assert.Equal(200, cases.Count);
        // Ten probes per list, one list instance each (the runner applies a list once per group).
        Assert.Equal(20, cases.Select(c => c.Rules).Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.All(cases, c => Assert.All(NatRuleValidator.ValidateAll(c.Rules).Values, r => Assert.True(r.IsValid, string.Join("; ", r.Errors.Select(e => e.Message)))));
        Assert.Contains(cases, c => c.Rules.Count == 0);
        Assert.Contains(cases, c => c.Rules.Any(r => r.Kind == NatRuleKind.Dnat) && c.Rules.Any(r => r.Kind is NatRuleKind.Snat or NatRuleKind.Masquerade));
        Assert.Contains(cases, c => c.Rules.Any(r => !r.Enabled));
        foreach (var kind in new[] { NatRuleKind.Redirect, NatRuleKind.LoadBalance, NatRuleKind.OneToOne })
            Assert.Contains(cases, c => c.Rules.Any(r => r.Kind == kind && r.Enabled));
        Assert.Contains(cases, c => c.Rules.OfType<LoadBalanceRule>().Any(r => r.Method == BalanceMethod.SourceHash));
        Assert.Contains(cases, c => c.Probe.Destination.ToString() == TraceAgreement.OneToOneProbe);
        Assert.Contains(cases, c => c.Probe.Protocol == ProbeProtocol.Udp && c.Probe.Destination.ToString() == NamespaceLab.ServerAddress);
    }
}
