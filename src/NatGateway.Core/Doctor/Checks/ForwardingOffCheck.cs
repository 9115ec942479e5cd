using NatGateway.Nat;

namespace NatGateway.Core.Doctor.Checks;

/// <summary>
/// DNAT/SNAT/masquerade rules only act on forwarded packets; with net.ipv4.ip_forward=0 (or IPv6 forwarding off) the
/// kernel drops them before the nat hooks that matter (ip_forward() is never reached; ip_rcv_finish delivers or drops).
/// </summary>
public sealed class ForwardingOffCheck : IDoctorCheck
{
    public CheckId Id => CheckId.ForwardingOff;
    public CheckArea Area => CheckArea.Routing;
    private const string Title = "Forwarding with NAT rules";

    public CheckResult Evaluate(DoctorSnapshot s)
    {
        if (s.Settings.Value is not { } settings) return CheckResult.NotApplicable(Id, Area, Title, $"forwarding could not be read: {s.Settings.Problem}");
        if (s.Rules.Value is not { } rules) return CheckResult.NotApplicable(Id, Area, Title, $"the rules in force could not be read: {s.Rules.Problem}");

        var evidence = new List<Evidence>();
        var fixes = new List<DoctorFix>();
        var off = new List<string>();
        foreach (var (family, label, forwarding, key) in new[]
        {
            (NatFamily.Ipv4, "IPv4", settings.Ipv4Forwarding, "net.ipv4.ip_forward"),
            (NatFamily.Ipv6, "IPv6", settings.Ipv6Forwarding, "net.ipv6.conf.all.forwarding"),
        })
        {
            var count = rules.Count(r => r.Enabled && r.Family == family);
            if (count == 0) continue;
            evidence.Add(new Evidence($"{label} forwarding", forwarding switch { true => "on", false => "off", null => "unknown" }, $"/proc/sys/{key.Replace('.', '/')}"));
            evidence.Add(new Evidence($"enabled {label} NAT rules", count.ToString(), "the revision in force"));
            if (forwarding != false) continue;
            off.Add(label);
            fixes.Add(new DoctorFix(FixKind.EnableForwarding, $"Turn {label} forwarding on", $"sets {key} = 1 as a new revision (commit-confirmed)",
                new FixTarget { Family = family }));
        }
        if (evidence.Count == 0) return CheckResult.NotApplicable(Id, Area, Title, "no enabled NAT rules");
        return off.Count == 0
            ? new CheckResult(Id, Area, CheckStatus.Ok, Title, "forwarding is on for every family with NAT rules",
                "Forwarding is on where rules need it.", evidence, [])
            : new CheckResult(Id, Area, CheckStatus.Critical, Title, $"{string.Join(" and ", off)} forwarding is off while NAT rules exist",
                "With forwarding off the kernel does not route packets between interfaces, so port forwards and masquerade "
                + "translate nothing: clients behind the gateway get no answer and forwarded ports time out.", evidence, fixes);
    }
}
