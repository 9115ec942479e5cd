using NatGateway.Nat;
using static NatGateway.Core.Doctor.Checks.CheckSupport;

namespace NatGateway.Core.Doctor.Checks;

/// <summary>
/// SNAT needs a free (translated address, port) per destination tuple. When a destination's ports run out, or two
/// CPUs pick the same port for new flows at once (the race between nf_nat_setup_info and __nf_conntrack_confirm),
/// the loser's insertion fails: the kernel counts <c>insert_failed</c> and drops the packet, a SYN that the client
/// retransmits after 1 s (then 3 s). <c>clash_resolve</c> counts the clashes the kernel could still merge (mostly UDP).
/// </summary>
public sealed class SnatPortsCheck : IDoctorCheck
{
    public CheckId Id => CheckId.SnatPorts;
    public CheckArea Area => CheckArea.Nat;
    private const string Title = "SNAT port clashes and exhaustion";

    /// <summary>Warn at 80% of a destination's ports: the remaining fifth is a burst away, and the port search
    /// (nf_nat_l4proto_unique_tuple: at most 128 tries, then halving rounds) misses more often as the range fills.</summary>
    public const double WarningFill = 0.80;

    /// <summary>At 100% every new flow to that destination fails.</summary>
    public const double CriticalFill = 1.0;

    /// <summary>The range the fix widens to: the kernel's own default for unprivileged source ports (nf_nat_l4proto_unique_tuple: 1024–65535).</summary>
    public static readonly PortRange WidestRange = new(1024, 65535);

    /// <summary>How many of the fullest destinations are listed as evidence.</summary>
    public const int ListedDestinations = 5;

    public CheckResult Evaluate(DoctorSnapshot s)
    {
        var snatRules = s.Rules.Value is { } rules ? SourceNatRules(rules).ToList() : null;
        var ports = s.SnatPorts.Value ?? [];
        if (snatRules is { Count: 0 } && ports.Count == 0)
            return CheckResult.NotApplicable(Id, Area, Title, "no enabled masquerade or SNAT rule");
        if (snatRules is null && !s.CpuStats.Known && !s.SnatPorts.Known)
            return CheckResult.NotApplicable(Id, Area, Title, $"neither the rules ({s.Rules.Problem}) nor the conntrack counters ({s.CpuStats.Problem}) could be read");

        var evidence = new List<Evidence>();
        var insertFailedRate = CpuRate(s, c => c.InsertFailed);
        var clashRate = CpuRate(s, c => c.ClashResolve);
        if (s.CpuStats.Known)
        {
            evidence.Add(new Evidence("insert_failed", $"{Number(CpuSum(s, c => c.InsertFailed) ?? 0)} total, {Rate(insertFailedRate)}", s.CpuStats.Source));
            evidence.Add(new Evidence("clash_resolve", $"{Number(CpuSum(s, c => c.ClashResolve) ?? 0)} total, {Rate(clashRate)}", s.CpuStats.Source));
        }
        if (s.SnatPorts.Known)
        {
            foreach (var use in ports.OrderByDescending(p => p.Fill).Take(ListedDestinations))
                evidence.Add(new Evidence($"ports of {use.TranslatedAddress} → {use.Destination}:{use.DestinationPort}/{use.Protocol.ToString().ToLowerInvariant()}",
                    $"{Number(use.InUse)} of {Number(use.Available)} ({Percent(use.Fill)}){(use.RuleName is { } name ? $", rule '{name}'" : "")}", s.SnatPorts.Source));
            if (ports.Count == 0) evidence.Add(new Evidence("translated flows", "none", s.SnatPorts.Source));
        }
        else evidence.Add(new Evidence("SNAT port meter", $"unavailable: {s.SnatPorts.Problem}", s.SnatPorts.Source));
        if (snatRules is not null)
            foreach (var rule in snatRules)
                evidence.Add(new Evidence($"rule {RuleLabel(rule.Rule)}",
                    $"ports {rule.Ports?.ToString() ?? $"kernel default ({WidestRange})"}, {(rule.Options.HasFlag(NatOptions.FullyRandom) ? "fully-random" : "not fully-random")}",
                    "the revision in force"));

        var full = ports.Where(p => p.Fill >= CriticalFill).ToList();
        var filling = ports.Where(p => p.Fill >= WarningFill).ToList();
        var status = full.Count > 0 || insertFailedRate > 0 ? CheckStatus.Critical
            : filling.Count > 0 ? CheckStatus.Warning
            : CheckStatus.Ok;
        if (status == CheckStatus.Ok)
            return new CheckResult(Id, Area, status, Title,
                ports.Count > 0 ? $"the fullest destination uses {Percent(ports.Max(p => p.Fill))} of its ports; no failed insertions" : "no failed insertions",
                "Source NAT has ports to spare and no new connection lost its port to a clash.", evidence, []);

        // The rules to fix: those that made the full destinations; with clashes and no meter, every SNAT rule.
        var affectedIds = filling.Select(p => p.RuleId).OfType<Guid>().ToHashSet();
        var affected = (snatRules ?? []).Where(r => affectedIds.Count == 0 || affectedIds.Contains(r.Rule.Id)).ToList();
        var fixes = new List<DoctorFix>();
        foreach (var rule in affected)
        {
            if (!rule.Options.HasFlag(NatOptions.FullyRandom))
                fixes.Add(new DoctorFix(FixKind.SnatFullyRandom, $"Make {RuleLabel(rule.Rule)} fully-random",
                    "adds fully-random to the rule (a new revision, commit-confirmed): each new flow's port is drawn at random, " +
                    "so two CPUs rarely pick the same one and the search does not walk a full stretch of the range",
                    new FixTarget { RuleId = rule.Rule.Id }));
            if (rule.Ports is { } range && range.Width < WidestRange.Width)
                fixes.Add(new DoctorFix(FixKind.SnatWiderPortRange, $"Widen {RuleLabel(rule.Rule)} to {WidestRange}",
                    $"changes the rule's port range from {range} ({Number(range.Width)} ports) to {WidestRange} ({Number(WidestRange.Width)} ports) " +
                    "as a new revision, commit-confirmed",
                    new FixTarget { RuleId = rule.Rule.Id, Ports = WidestRange.ToString() }));
        }

        var fullest = ports.OrderByDescending(p => p.Fill).FirstOrDefault();
        var summary = full.Count > 0 ? $"{full.Count} destination(s) have no free SNAT port (e.g. {fullest!.Destination}:{fullest.DestinationPort} via {fullest.TranslatedAddress})"
            : insertFailedRate > 0 ? $"new connections lose their SNAT port to clashes: insert_failed at {Rate(insertFailedRate)}"
            : $"{filling.Count} destination(s) use {Percent(WarningFill)} or more of their SNAT ports (fullest {Percent(fullest!.Fill)})";
        return new CheckResult(Id, Area, status, Title, summary,
            "Behind one masquerade address every connection to the same server address and port needs its own source port. " +
            "When they run out, or two connections race for the same port, the kernel drops the SYN: the client retries after " +
            "1 s and again after 3 s, so connections are slow to open long before they fail outright (the classic symptom " +
            "of many containers behind one MASQUERADE). fully-random makes clashes rare; a wider port range or more " +
            "translated addresses (an SNAT rule to an address range) give each destination more ports.",
            evidence, fixes);
    }
}
