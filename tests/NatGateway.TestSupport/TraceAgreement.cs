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
        Compare("destination NAT", expected.DestinationRuleId, Matched(packet, ourTable, postrouting: false), problems);
        if (expected.OutInterface is not null)
            Compare("source NAT", expected.SourceRuleId, Matched(packet, ourTable, postrouting: true), problems);
        if (expected.OutInterface is { } outInterface && packet.OutInterface is { } seen && outInterface != seen)
            problems.Add($"routing: static {outInterface}, live {seen}");
        return problems;
    }

    /// <summary>
    /// Runs the corpus: whenever a case's rule list differs from the one before (cases of one list are consecutive),
    /// <paramref name="apply"/> puts it in force; per case the live trace is started (<paramref name="trace"/>),
    /// <paramref name="waitArmed"/> waits until the arm table exists, <paramref name="send"/> sends the probe from the lab
    /// client (a new socket, so a new flow whose first packet the NAT chains see), then the static answer for the same rules
    /// is asked. Returns every disagreement as "case …: problem" (empty when the tracer agrees with itself everywhere).
    /// </summary>
    public static async Task<IReadOnlyList<string>> RunAsync(IPacketTracer tracer, IEnumerable<TraceCase> cases, Action<TraceCase> apply,
        Func<PacketProbe, Task<LiveTrace>> trace, Func<Task> waitArmed, Action<PacketProbe> send, Action<TraceCase, StaticTrace, LiveTrace>? answered = null, CancellationToken cancellationToken = default)
    {
        var failures = new List<string>();
        IReadOnlyList<NatRule>? applied = null;
        foreach (var c in cases)
        {
            if (!ReferenceEquals(applied, c.Rules))
            {
                apply(c);
                applied = c.Rules;
            }
            var live = trace(c.Probe);
            await waitArmed();
            send(c.Probe);
            var traced = await live;
            var expected = await tracer.ExplainAsync(c.Probe, cancellationToken);
            answered?.Invoke(c, expected, traced);
            failures.AddRange(Disagreements(expected, traced).Select(problem => $"{c}: {problem}"));
        }
        return failures;
    }

    /// <summary>
    /// The rule of ours that accepted the packet at destination NAT (<paramref name="postrouting"/> false: the prerouting
    /// chain or a chain it jumped to — a forward map segment's <c>fwdN</c>, a load balancer's backend chain <c>lbM_i</c>)
    /// or at source NAT (the postrouting chain): (found, id).
    /// </summary>
    private static (bool Found, Guid? Id) Matched(TracedPacket packet, string ourTable, bool postrouting)
    {
        var hop = packet.Hops.FirstOrDefault(h => h.OurTable && h.Table == ourTable && (h.Chain == "postrouting") == postrouting
                                                   && h.Chain != "output" && h.Kind == TraceEventKind.Rule && h.Verdict == TraceVerdict.Accept);
        return hop is null ? (false, null) : (true, hop.RuleId);
    }

    private static void Compare(string what, Guid? expected, (bool Found, Guid? Id) live, List<string> problems)
    {
        if (live.Found && live.Id is null) problems.Add($"{what}: a rule of ours accepted but the hop names no rule");
        else if (expected != live.Id) problems.Add($"{what}: static {expected?.ToString() ?? "none"}, live {live.Id?.ToString() ?? "none"}");
    }

    /// <summary>Outside prefix of the corpus' 1:1 rules (routed to the gateway by the client's default route).</summary>
    public const string OneToOneOutside = "10.77.9.0/30", OneToOneInside = "10.77.2.0/30", OneToOneProbe = "10.77.9.2";

    /// <summary>
    /// <paramref name="lists"/> seeded rule lists with <paramref name="probesPerList"/> probes each (consecutive cases share
    /// one list instance, so a runner applies each list once). Rules over the lab: port forwards, redirects to a gateway
    /// port, load-balanced forwards (round-robin and source hash over server ports) and a 1:1 map on lan0 (some disabled,
    /// some with a source CIDR that excludes the client, ports from a small pool so matches and near misses both occur),
    /// then masquerade/SNAT on wan0; probes from the client to the gateway's LAN address, the server, or the 1:1 outside
    /// address. Only lists the validator accepts are kept (a rule refused after the earlier ones is left out).
    /// </summary>
    public static IReadOnlyList<TraceCase> Generate(int lists, int probesPerList, int seed)
    {
        var random = new Random(seed);
        int[] ports = [80, 443, 8080, 8443, 5353];
        string[] protocols = ["tcp", "udp", "both"];
        string Enabled() => random.Next(6) != 0 ? "true" : "false";
        string Source() => random.Next(4) == 0 ? "\"10.99.0.0/16\"" : random.Next(3) == 0 ? "\"10.77.1.0/24\"" : "";
        var cases = new List<TraceCase>(lists * probesPerList);
        for (var l = 0; l < lists; l++)
        {
            var json = new List<string>();
            for (var r = random.Next(0, 6); r > 0; r--)
            {
                var protocol = protocols[random.Next(3)];
                var port = ports[random.Next(ports.Length)];
                json.Add(random.Next(5) switch
                {
                    0 => $$"""{"kind":"redirect","name":"r{{r}}","enabled":{{Enabled()}},"inInterfaces":["lan0"],"protocol":"{{protocol}}","sourceCidrs":[{{Source()}}],{{(random.Next(2) == 0 ? $"\"destinationAddress\":\"{NamespaceLab.GatewayLanAddress}\"," : "")}}"destinationPort":"{{port}}","targetPort":"{{7000 + random.Next(3)}}"}""",
                    1 => $$"""{"kind":"load-balance","name":"b{{r}}","enabled":{{Enabled()}},"inInterfaces":["lan0"],"protocol":"{{protocol}}","sourceCidrs":[{{Source()}}],"destinationPort":"{{port}}","backends":[{"address":"{{NamespaceLab.ServerAddress}}","port":80,"weight":{{1 + random.Next(3)}}},{"address":"{{NamespaceLab.ServerAddress}}","port":8081,"weight":{{1 + random.Next(3)}}},{"address":"{{NamespaceLab.ServerAddress}}","port":8082,"weight":1}],"method":"{{(random.Next(2) == 0 ? "round-robin" : "source-hash")}}"}""",
                    2 => $$"""{"kind":"one-to-one","name":"o{{r}}","enabled":{{Enabled()}},"outsideInterfaces":["lan0"],"insidePrefix":"{{OneToOneInside}}","outsidePrefix":"{{OneToOneOutside}}","hairpin":{{(random.Next(2) == 0 ? "true" : "false")}}}""",
                    _ => $$"""{"kind":"dnat","name":"f{{r}}","enabled":{{Enabled()}},"inInterfaces":["lan0"],"protocol":"{{protocol}}","sourceCidrs":[{{Source()}}],"destinationPort":"{{port}}","targetAddress":"{{NamespaceLab.ServerAddress}}","targetPort":"{{ports[random.Next(ports.Length)]}}"}""",
                });
            }
            for (var r = random.Next(0, 3); r > 0; r--)
            {
                var source = random.Next(3) == 0 ? "\"10.99.0.0/16\"" : "\"10.77.1.0/24\"";
                json.Add(random.Next(2) == 0
                    ? $$"""{"kind":"masquerade","name":"m{{r}}","enabled":{{Enabled()}},"outInterfaces":["wan0"],"sourceCidrs":[{{source}}]}"""
                    : $$"""{"kind":"snat","name":"s{{r}}","enabled":{{Enabled()}},"outInterfaces":["wan0"],"sourceCidrs":[{{source}}],"translateTo":"{{NamespaceLab.GatewayWanAddress}}"}""");
            }
            var kept = new List<NatRule>();
            foreach (var j in json)
            {
                var rule = NatRuleJson.Parse(j).Rule ?? throw new InvalidOperationException($"corpus rule does not parse: {j}");
                if (NatRuleValidator.Validate(rule, kept).IsValid) kept.Add(rule);
            }
            var rules = MarkIdAllocator.AssignMissing(kept);
            for (var p = 0; p < probesPerList; p++)
            {
                var destination = random.Next(5) switch
                {
                    0 or 1 or 2 => NamespaceLab.GatewayLanAddress,
                    3 => NamespaceLab.ServerAddress,
                    _ => OneToOneProbe,
                };
                var probe = new PacketProbe(NatFamily.Ipv4, random.Next(2) == 0 ? ProbeProtocol.Tcp : ProbeProtocol.Udp,
                    IPAddress.Parse(NamespaceLab.ClientAddress), IPAddress.Parse(destination), 0, ports[random.Next(ports.Length)],
                    NamespaceLab.GatewayLanInterface);
                cases.Add(new TraceCase(cases.Count, rules, probe));
            }
        }
        return cases;
    }
}
