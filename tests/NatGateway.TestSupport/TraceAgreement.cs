using System.Net;
using NatGateway.Core.Tracing;
using NatGateway.Nat;

namespace NatGateway.TestSupport;

/// <summary>One case of the static-vs-live corpus: a rule list in force and a packet the lab client sends.</summary>
public sealed record TraceCase(int Index, IReadOnlyList<NatRule> Rules, PacketProbe Probe)
{
    public override string ToString() =>
        $"case {Index}: {Probe.Protocol} {Probe.Source}:{Probe.SourcePort} -> {Probe.Destination}:{Probe.DestinationPort} on {Probe.InInterface}, " +
        $"{Rules.Count} rules [{string.Join("; ", Rules.Select(r => $"{r.Kind} {r.Name}{(r.Enabled ? "" : " (off)")}"))}]";
}

/// <summary>
/// The issue's acceptance for the tracer: the static answer agrees with the live trace over a randomized corpus. This
/// holds the two halves that need no kernel: a seeded generator of rule lists and probes over the <see cref="NamespaceLab"/>
/// topology, and the comparison of a <see cref="StaticTrace"/> with the <see cref="LiveTrace"/> of the same probe
/// (both from <see cref="IPacketTracer"/>). A kernel test applies each case's rules, sends the probe from the lab client
/// while <see cref="IPacketTracer.TraceAsync"/> runs, and asserts <see cref="Disagreements"/> is empty.
/// </summary>
/// <remarks>
/// What "agree" means, per packet (the first one traced, which is the connection's first: NAT chains only see a flow's
/// first packet, nf_nat_inet_fn):
/// <list type="bullet">
/// <item>destination NAT: the static first match equals the rule id of the accepting rule hop in our prerouting chain
/// (none when the packet left our prerouting chain by its policy);</item>
/// <item>source NAT: likewise for our postrouting chain;</item>
/// <item>routing: when the static answer has an output interface and the packet was forwarded, the live one is the same.</item>
/// </list>
/// Ids on hops come from the rule comments and, for rules grouped into maps, from <see cref="IPacketTracer"/>'s
/// annotation; an accepting hop of ours without an id is itself a disagreement (the operator could not tell which rule).
/// </remarks>
public static class TraceAgreement
{
    public static IReadOnlyList<string> Disagreements(StaticTrace expected, LiveTrace live, string ourTable = "natgw")
    {
        var problems = new List<string>();
        if (live.Packets.Count == 0)
        {
            problems.Add("no packet was traced");
            return problems;
        }
        var packet = live.Packets[0];
        Compare("destination NAT", expected.DestinationRuleId, Matched(packet, ourTable, "prerouting"), problems);
        if (expected.OutInterface is not null)
            Compare("source NAT", expected.SourceRuleId, Matched(packet, ourTable, "postrouting"), problems);
        if (expected.OutInterface is { } outInterface && packet.OutInterface is { } seen && outInterface != seen)
            problems.Add($"routing: static {outInterface}, live {seen}");
        return problems;
    }

    /// <summary>
    /// Runs the corpus: per case <paramref name="apply"/> puts its rules in force (and clears conntrack, so the probe is a
    /// flow's first packet), the live trace is started, <paramref name="waitArmed"/> waits until the arm table exists,
    /// <paramref name="send"/> sends the probe from the lab client, then the static answer for the same rules is asked.
    /// Returns every disagreement as "case …: problem" (empty when the tracer agrees with itself everywhere).
    /// </summary>
    public static async Task<IReadOnlyList<string>> RunAsync(IPacketTracer tracer, IEnumerable<TraceCase> cases, Action<TraceCase> apply,
        Func<Task> waitArmed, Action<PacketProbe> send, TimeSpan window, CancellationToken cancellationToken = default)
    {
        var failures = new List<string>();
        foreach (var c in cases)
        {
            apply(c);
            var live = tracer.TraceAsync(c.Probe, window, cancellationToken);
            await waitArmed();
            send(c.Probe);
            var trace = await live;
            var expected = await tracer.ExplainAsync(c.Probe, cancellationToken);
            failures.AddRange(Disagreements(expected, trace).Select(problem => $"{c}: {problem}"));
        }
        return failures;
    }

    /// <summary>The rule of ours that accepted the packet in <paramref name="chain"/>: (found, id).</summary>
    private static (bool Found, Guid? Id) Matched(TracedPacket packet, string ourTable, string chain)
    {
        var hop = packet.Hops.FirstOrDefault(h => h.OurTable && h.Table == ourTable && h.Chain == chain
                                                   && h.Kind == TraceEventKind.Rule && h.Verdict == TraceVerdict.Accept);
        return hop is null ? (false, null) : (true, hop.RuleId);
    }

    private static void Compare(string what, Guid? expected, (bool Found, Guid? Id) live, List<string> problems)
    {
        if (live.Found && live.Id is null) problems.Add($"{what}: a rule of ours accepted but the hop names no rule");
        else if (expected != live.Id) problems.Add($"{what}: static {expected?.ToString() ?? "none"}, live {live.Id?.ToString() ?? "none"}");
    }

    /// <summary>
    /// <paramref name="count"/> seeded cases over the lab: port forwards on lan0 to the server (some disabled, some with a
    /// source CIDR that excludes the client, ports from a small pool so matches and near misses both occur), then
    /// masquerade/SNAT on wan0; probes from the client to the gateway's LAN address or to the server directly.
    /// </summary>
    public static IReadOnlyList<TraceCase> Generate(int count, int seed)
    {
        var random = new Random(seed);
        int[] ports = [80, 443, 8080, 8443, 5353];
        var cases = new List<TraceCase>(count);
        for (var i = 0; i < count; i++)
        {
            var json = new List<string>();
            for (var r = random.Next(0, 5); r > 0; r--)
            {
                var protocol = new[] { "tcp", "udp", "both" }[random.Next(3)];
                var source = random.Next(4) == 0 ? "\"10.99.0.0/16\"" : random.Next(3) == 0 ? "\"10.77.1.0/24\"" : "";
                json.Add($$"""{"kind":"dnat","name":"f{{r}}","enabled":{{(random.Next(6) != 0 ? "true" : "false")}},"inInterfaces":["lan0"],"protocol":"{{protocol}}","sourceCidrs":[{{source}}],"destinationPort":"{{ports[random.Next(ports.Length)]}}","targetAddress":"{{NamespaceLab.ServerAddress}}","targetPort":"{{ports[random.Next(ports.Length)]}}"}""");
            }
            for (var r = random.Next(0, 3); r > 0; r--)
            {
                var source = random.Next(3) == 0 ? "\"10.99.0.0/16\"" : "\"10.77.1.0/24\"";
                json.Add(random.Next(2) == 0
                    ? $$"""{"kind":"masquerade","name":"m{{r}}","enabled":{{(random.Next(6) != 0 ? "true" : "false")}},"outInterfaces":["wan0"],"sourceCidrs":[{{source}}]}"""
                    : $$"""{"kind":"snat","name":"s{{r}}","enabled":{{(random.Next(6) != 0 ? "true" : "false")}},"outInterfaces":["wan0"],"sourceCidrs":[{{source}}],"translateTo":"{{NamespaceLab.GatewayWanAddress}}"}""");
            }
            // A rule the validator refuses after the earlier ones (e.g. a forward shadowed by an earlier one) is left out:
            // the corpus only holds lists an operator could apply.
            var kept = new List<NatRule>();
            foreach (var j in json)
            {
                var rule = NatRuleJson.Parse(j).Rule ?? throw new InvalidOperationException($"corpus rule does not parse: {j}");
                if (NatRuleValidator.Validate(rule, kept).IsValid) kept.Add(rule);
            }
            var rules = MarkIdAllocator.AssignMissing(kept);
            var toGateway = random.Next(3) != 0;
            var probe = new PacketProbe(NatFamily.Ipv4, random.Next(2) == 0 ? ProbeProtocol.Tcp : ProbeProtocol.Udp,
                IPAddress.Parse(NamespaceLab.ClientAddress), IPAddress.Parse(toGateway ? NamespaceLab.GatewayLanAddress : NamespaceLab.ServerAddress),
                0, ports[random.Next(ports.Length)], NamespaceLab.GatewayLanInterface);
            cases.Add(new TraceCase(i, rules, probe));
        }
        return cases;
    }
}
