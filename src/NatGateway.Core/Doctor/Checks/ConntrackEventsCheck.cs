using NatGateway.Capacity.Model;
using NatGateway.Capacity.Planning;
using static NatGateway.Core.Doctor.Checks.CheckSupport;
using static System.FormattableString;

namespace NatGateway.Core.Doctor.Checks;

/// <summary>
/// With nf_conntrack_events=1, or =2 (the default since 6.0) while a ctnetlink event listener exists (conntrack -E,
/// conntrackd, natgw's live mirror), every new entry gets the ecache extension (nf_ct_ecache_ext_add), which can move
/// its extension area into a larger kmalloc class. The capacity model prices an entry with and without it.
/// </summary>
public sealed class ConntrackEventsCheck : IDoctorCheck
{
    public CheckId Id => CheckId.ConntrackEvents;
    public CheckArea Area => CheckArea.Conntrack;
    private const string Title = "Conntrack event cost";

    /// <summary>Worth a word at 64 MiB for a full table: noticeable on a small gateway (6% of a 1 GiB VM); below it
    /// the events are cheap enough to keep without comment.</summary>
    public const long MaterialBytes = 64L * 1024 * 1024;

    public CheckResult Evaluate(DoctorSnapshot s)
    {
        if (s.Conntrack.Value is not { } facts) return CheckResult.NotApplicable(Id, Area, Title, $"conntrack sysctls could not be read: {s.Conntrack.Problem}");
        if (facts.EventsMode is not { } mode) return CheckResult.NotApplicable(Id, Area, Title, "nf_conntrack_events is not present on this kernel");

        var evidence = new List<Evidence>
        {
            new("nf_conntrack_events", mode switch { 0 => "0 (off)", 1 => "1 (always)", 2 => "2 (only while a listener exists)", _ => mode.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                "/proc/sys/net/netfilter/nf_conntrack_events"),
            new("event listener", s.ConntrackEventListener ? "yes (natgw's live conntrack mirror)" : "none known", "natgw"),
        };
        var active = mode == 1 || (mode == 2 && s.ConntrackEventListener);
        if (!active)
            return new CheckResult(Id, Area, CheckStatus.Ok, Title, "entries carry no event extension",
                "Conntrack events cost nothing here: new entries get no event cache.", evidence, []);

        var request = new CapacityPlanRequest { Masquerade = s.Rules.Value is { } rules && rules.Any(r => r.Enabled && r is NatGateway.Nat.MasqueradeRule) };
        var without = request.ExtensionsFromKernel(facts) & ~ConntrackExtensions.Ecache;
        var model = ConntrackMemoryModel.FromFacts(facts);
        var perEntry = model.EntryCost(without | ConntrackExtensions.Ecache).TotalBytes - model.EntryCost(without).TotalBytes;
        var now = (long)Math.Round(perEntry * (facts.Count ?? 0));
        var full = (long)Math.Round(perEntry * (facts.ConntrackMax ?? 0));
        evidence.Add(new Evidence("bytes per entry", Invariant($"{model.EntryCost(without).TotalBytes:0} without events, {model.EntryCost(without | ConntrackExtensions.Ecache).TotalBytes:0} with"),
            "capacity model (/proc/slabinfo packing)"));
        evidence.Add(new Evidence("event cost", $"{Format.Bytes(now)} now ({Number(facts.Count ?? 0)} entries), {Format.Bytes(full)} at a full table ({Number(facts.ConntrackMax ?? 0)})",
            "capacity model × nf_conntrack_count, nf_conntrack_max"));
        if (full < MaterialBytes)
            return new CheckResult(Id, Area, CheckStatus.Ok, Title, $"events cost {Format.Bytes(full)} at a full table",
                "Entries carry the event cache, but its memory is small at this table size.", evidence, []);
        return new CheckResult(Id, Area, CheckStatus.Warning, Title, $"conntrack events cost {Format.Bytes(full)} of kernel memory at a full table",
            "Every entry created while something listens for conntrack events carries an event cache, and that grows the " +
            "per-entry memory the table sizing is based on. It is the price of natgw's live connection view (and of " +
            "conntrackd or conntrack -E). Keep it if you use the live view; otherwise turn the mirror off, or set " +
            "nf_conntrack_events=0 if nothing on this host needs events.",
            evidence, []);
    }
}
