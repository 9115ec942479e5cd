namespace NatGateway.Core.Doctor.Checks;

/// <summary>
/// Large receive offload merges received TCP segments into one big buffer before the stack sees it. That is fine
/// for a host that consumes the data, but a router must send the original packets on: a merged super-packet is
/// larger than the output MTU and cannot be re-segmented exactly (that is what GRO, which keeps the segment
/// boundaries, is for). The kernel therefore turns LRO off when forwarding is switched on (devinet_sysctl_forward →
/// inet_forward_change → dev_disable_lro; addrconf_forward_change for IPv6), so LRO found on now was turned back on
/// later: by ethtool, a driver reset, or a device that came up after forwarding.
/// </summary>
public sealed class LroCheck : IDoctorCheck
{
    public CheckId Id => CheckId.Lro;
    public CheckArea Area => CheckArea.Interfaces;
    private const string Title = "LRO on a forwarding host";

    public CheckResult Evaluate(DoctorSnapshot s)
    {
        if (s.Settings.Value is not { } settings) return CheckResult.NotApplicable(Id, Area, Title, $"forwarding could not be read: {s.Settings.Problem}");
        if (settings.Ipv4Forwarding != true && settings.Ipv6Forwarding != true)
            return CheckResult.NotApplicable(Id, Area, Title, "forwarding is off: LRO only matters on a host that forwards",
                new Evidence("forwarding", "off (IPv4 and IPv6)", s.Settings.Source));
        if (s.Offloads.Value is not { } offloads) return CheckResult.NotApplicable(Id, Area, Title, $"offloads could not be read: {s.Offloads.Problem}");

        var evidence = new List<Evidence>
        {
            new("forwarding", $"IPv4 {(settings.Ipv4Forwarding == true ? "on" : "off")}, IPv6 {(settings.Ipv6Forwarding == true ? "on" : "off")}", s.Settings.Source),
        };
        // Interfaces whose LRO natgw keeps off (the revision in force): said so, and if LRO is on there anyway something
        // turned it back on after the apply (a driver reset, ethtool by hand); start-up recovery or the fix turns it off again.
        var forcedOff = s.InterfaceFixes.Value?.LroOff ?? [];
        foreach (var o in offloads)
        {
            var forced = forcedOff.Contains(o.Interface, StringComparer.Ordinal);
            evidence.Add(new Evidence($"LRO on {o.Interface}", (o.LroActive ? "on" : "off") + (o.LroChangeable ? "" : " (fixed by the driver)")
                + (forced ? (o.LroActive ? " although natgw keeps it off (turned back on since)" : " (kept off by natgw)") : ""),
                forced ? $"{s.Offloads.Source}; {s.InterfaceFixes.Source}" : s.Offloads.Source));
        }
        var on = offloads.Where(o => o.LroActive).ToList();
        if (on.Count == 0)
            return new CheckResult(Id, Area, CheckStatus.Ok, Title, "LRO is off on every interface",
                "No interface merges received packets, so forwarded packets leave as they came.", evidence, []);

        // Critical when an interface a NAT rule names has LRO on: the translated traffic itself goes through it.
        var named = NamedInterfaces(s);
        var onRulePath = on.Where(o => named.Contains(o.Interface)).ToList();
        var fixes = on.Where(o => o.LroChangeable).Select(o => new DoctorFix(FixKind.DisableLro, $"Turn LRO off on {o.Interface}",
            $"turns large-receive-offload off on {o.Interface} (ethtool -K {o.Interface} lro off) and keeps it off as a setting of a new revision, commit-confirmed",
            new FixTarget { Interface = o.Interface })).ToList();
        return new CheckResult(Id, Area, onRulePath.Count > 0 ? CheckStatus.Critical : CheckStatus.Warning, Title,
            $"LRO is on for {string.Join(", ", on.Select(o => o.Interface))} while forwarding is on" + (onRulePath.Count > 0 ? " (an interface of a NAT rule)" : ""),
            "LRO glues received packets together into large ones before the kernel looks at them. A gateway has to forward " +
            "the packets as they were: the merged ones are bigger than the next link's MTU and get dropped or mangled, " +
            "which shows up as stalled TCP transfers through the gateway. Turn LRO off on every interface of a host that " +
            "forwards (GRO is the safe kind and can stay on)." + (on.Any(o => !o.LroChangeable) ? " Where the driver does not let LRO change, update the driver or firmware." : ""),
            evidence, fixes);
    }

    private static HashSet<string> NamedInterfaces(DoctorSnapshot s)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in s.Rules.Value ?? [])
        {
            if (!rule.Enabled) continue;
            switch (rule)
            {
                case NatGateway.Nat.DnatRule d: names.UnionWith(d.InInterfaces); break;
                case NatGateway.Nat.MasqueradeRule m: names.UnionWith(m.OutInterfaces); break;
                case NatGateway.Nat.SnatRule n: names.UnionWith(n.OutInterfaces); break;
            }
        }
        return names;
    }
}
