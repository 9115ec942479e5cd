using NatGateway.Core.Settings;

namespace NatGateway.Core.Doctor.Checks;

/// <summary>
/// Strict reverse-path filtering (rp_filter=1, RFC 3704) drops a packet whose source would not be routed back out of
/// the interface it arrived on (fib_validate_source → __fib_validate_source: -EXDEV, counted as IP_RPFILTER drops).
/// With two uplinks (several default routes) or policy routing, replies legitimately come back on "the other"
/// interface, and strict mode drops them. The kernel uses max(conf/all, conf/IFACE) (IN_DEV_RPFILTER).
/// </summary>
public sealed class RpFilterStrictCheck : IDoctorCheck
{
    public CheckId Id => CheckId.RpFilterStrict;
    public CheckArea Area => CheckArea.Routing;
    private const string Title = "rp_filter with asymmetric routes";

    /// <summary>More than one IPv4 default route means traffic can leave and return on different uplinks.</summary>
    public const int AsymmetricDefaultRoutes = 2;

    public CheckResult Evaluate(DoctorSnapshot s)
    {
        if (s.Settings.Value is not { } settings) return CheckResult.NotApplicable(Id, Area, Title, $"rp_filter could not be read: {s.Settings.Problem}");
        if (s.Routes.Value is not { } routes) return CheckResult.NotApplicable(Id, Area, Title, $"the routes could not be read: {s.Routes.Problem}");

        var evidence = new List<Evidence>();
        var strict = settings.EffectiveRpFilter.Where(e => e.Effective == (int)RpFilterMode.Strict && e.Interface != "lo").ToList();
        evidence.Add(new Evidence("rp_filter conf/all", settings.RpFilter.All?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown",
            "/proc/sys/net/ipv4/conf/all/rp_filter"));
        foreach (var e in settings.EffectiveRpFilter.Where(e => e.Interface != "lo"))
            evidence.Add(new Evidence($"rp_filter effective on {e.Interface}", $"{e.Effective} ({RpFilterModes.Describe(e.Effective)}; own {e.Own})",
                $"/proc/sys/net/ipv4/conf/{e.Interface}/rp_filter, max with conf/all"));

        // rp_filter is IPv4 only: count IPv4 default routes (main table) and non-default IPv4 policy rules.
        var defaults = routes.Where(r => r.IsDefault && r.Destination.Contains('.')).ToList();
        evidence.Add(new Evidence("IPv4 default routes", defaults.Count == 0 ? "none" : string.Join(", ", defaults.Select(r => $"via {r.Gateway ?? "-"} dev {r.Device}")),
            s.Routes.Source));
        var policy = s.RoutingRules.Value?.Where(r => !r.IsDefault && r.Family == NatGateway.Conntrack.IPFamily.IPv4).ToList();
        if (policy is not null)
            evidence.Add(new Evidence("IPv4 policy routing rules (besides local/main/default)",
                policy.Count == 0 ? "none" : string.Join("; ", policy.Select(r => $"{r.Priority}: {r.Selector ?? "all"} lookup {r.Table}")), s.RoutingRules.Source));
        else
            evidence.Add(new Evidence("policy routing rules", $"unreadable: {s.RoutingRules.Problem}", s.RoutingRules.Source));

        var asymmetric = defaults.Count >= AsymmetricDefaultRoutes || policy is { Count: > 0 };
        if (!asymmetric || strict.Count == 0)
            return new CheckResult(Id, Area, CheckStatus.Ok, Title,
                strict.Count == 0 ? "no interface filters strictly" : "strict rp_filter, but one default route and no policy routing",
                "Reverse-path filtering cannot drop legitimate replies here: either it is loose/off, or there is only one way back.",
                evidence, []);

        var fixes = new List<DoctorFix>();
        if (settings.RpFilter.All == (int)RpFilterMode.Strict)
            // conf/all = 1 makes every interface strict whatever its own value; loosening "all" alone loosens them all
            // (max(2, own) = 2).
            fixes.Add(new DoctorFix(FixKind.LooseRpFilter, "Loose rp_filter everywhere",
                "sets net.ipv4.conf.all.rp_filter = 2 as a new revision (commit-confirmed): sources must still be routable, through any interface",
                new FixTarget { Interface = "all" }));
        else
            foreach (var e in strict)
                fixes.Add(new DoctorFix(FixKind.LooseRpFilter, $"Loose rp_filter on {e.Interface}",
                    $"sets net.ipv4.conf.{e.Interface}.rp_filter = 2 as a new revision (commit-confirmed)",
                    new FixTarget { Interface = e.Interface }));

        var why = defaults.Count >= AsymmetricDefaultRoutes ? $"{defaults.Count} IPv4 default routes" : $"{policy!.Count} policy routing rule(s)";
        return new CheckResult(Id, Area, CheckStatus.Warning, Title,
            $"strict rp_filter on {string.Join(", ", strict.Select(e => e.Interface))} with {why}",
            "With strict reverse-path filtering the kernel drops any packet whose source it would not route back out of the " +
            "interface it came in on. With two uplinks or policy routing, replies often come back on the other link, and " +
            "those connections silently hang. Loose mode (2) still drops spoofed sources that are not routable at all.",
            evidence, fixes);
    }
}
