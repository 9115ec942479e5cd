using NatGateway.Core.Capacity;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Data.Entities;
using NatGateway.Nat;

namespace NatGateway.Core.Doctor;

/// <summary>
/// The fixes carried out through the interface fixes of a revision (LRO off as a persisted setting, an MSS-clamp rule in
/// our table): <see cref="RevisionGatewayOptionFixes"/>, registered by <see cref="DoctorServiceRegistration.AddDoctor"/>.
/// Without one (a host that composes the doctor by hand), <see cref="DoctorFixService"/> refuses those two kinds.
/// Each call is ONE revision, commit-confirmed within <c>confirmWithin</c>, authored by <c>author</c>.
/// </summary>
public interface IGatewayOptionFixes
{
    Task<Revision> DisableLroAsync(string interfaceName, string author, TimeSpan confirmWithin, CancellationToken ct);

    Task<Revision> ClampMssAsync(FixTarget target, string author, TimeSpan confirmWithin, CancellationToken ct);
}

/// <summary>The check no longer offers the fix (the problem went away, or the fix changed): nothing was applied (API 409).</summary>
public sealed class DoctorFixUnavailableException(string message) : Exception(message);

/// <summary>The fix cannot be applied now (pending draft edits, a kind not built yet): nothing was applied (API 409).</summary>
public sealed class DoctorFixRefusedException(string message) : Exception(message);

/// <summary>What was applied: the check, the fix as the current report offered it, and its revision.</summary>
public sealed record DoctorFixOutcome(CheckId Check, DoctorFix Fix, Revision Revision);

/// <summary>
/// Applies a doctor fix as ONE revision through the services every other change uses (settings, capacity, the rule
/// draft), commit-confirmed like every browser change: a fix that cuts the operator off reverts by itself. The fix is
/// re-validated first: the check runs again and must still offer it (the page may show a report minutes old).
/// </summary>
public sealed class DoctorFixService(
    DoctorService doctor,
    RevisionService revisions,
    NatRulesService rules,
    SafeApplyOptions safeApply,
    IGatewayOptionFixes? optionFixes = null)
{
    /// <summary>Applies the fix at <paramref name="index"/> of the check's current fixes (POST /api/v1/doctor/fixes {"fix": 0}).</summary>
    public Task<DoctorFixOutcome> ApplyAsync(CheckId check, int index, string author, TimeSpan? confirmWithin = null, CancellationToken ct = default) =>
        ApplyAsync(check, fixes => index >= 0 && index < fixes.Count ? fixes[index] : null,
            $"fix {index}", author, confirmWithin, ct);

    /// <summary>Applies the check's current fix of <paramref name="kind"/> (the first when it offers several).</summary>
    public Task<DoctorFixOutcome> ApplyAsync(CheckId check, FixKind kind, string author, TimeSpan? confirmWithin = null, CancellationToken ct = default) =>
        ApplyAsync(check, fixes => fixes.FirstOrDefault(f => f.Kind == kind), $"a {kind} fix", author, confirmWithin, ct);

    /// <summary>
    /// Applies the fix the page showed, as the check offers it now: same kind and same target (rule, interface, family,
    /// timeout), with the current values (a planner size may have moved since the page's report).
    /// </summary>
    public Task<DoctorFixOutcome> ApplyAsync(CheckId check, DoctorFix shown, string author, TimeSpan? confirmWithin = null, CancellationToken ct = default) =>
        ApplyAsync(check, fixes => fixes.FirstOrDefault(f => SameFix(f, shown)), $"\"{shown.Label}\"", author, confirmWithin, ct);

    public static bool SameFix(DoctorFix a, DoctorFix b) =>
        a.Kind == b.Kind && a.Target.RuleId == b.Target.RuleId && a.Target.Interface == b.Target.Interface
        && a.Target.Family == b.Target.Family && a.Target.TimeoutKey == b.Target.TimeoutKey;

    private async Task<DoctorFixOutcome> ApplyAsync(CheckId check, Func<IReadOnlyList<DoctorFix>, DoctorFix?> select, string what,
        string author, TimeSpan? confirmWithin, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(author);
        var report = await doctor.RunAsync(check, ct);
        var result = report.Checks.FirstOrDefault(c => c.Id == check)
                     ?? throw new DoctorFixUnavailableException($"the check {CheckIds.Text(check)} is not run here");
        var fix = select(result.Fixes)
                  ?? throw new DoctorFixUnavailableException(result.Fixes.Count == 0
                      ? $"the check {CheckIds.Text(check)} offers no fix now ({result.Status}: {result.Summary}); nothing was applied"
                      : $"the check {CheckIds.Text(check)} no longer offers {what}; it offers: {string.Join("; ", result.Fixes.Select(f => $"{f.Kind} ({f.Label})"))}");
        var window = confirmWithin ?? safeApply.ConfirmWindow;
        var revision = await ApplyFixAsync(fix, author, window, ct);
        return new DoctorFixOutcome(check, fix, revision);
    }

    private async Task<Revision> ApplyFixAsync(DoctorFix fix, string author, TimeSpan window, CancellationToken ct)
    {
        var t = fix.Target;
        switch (fix.Kind)
        {
            case FixKind.EnableForwarding:
                var update = t.Family == NatFamily.Ipv6 ? new SettingsUpdate { Ipv6Forwarding = true } : new SettingsUpdate { Ipv4Forwarding = true };
                return await revisions.ApplySettingsAsync(update, author, window, ct);

            case FixKind.LooseRpFilter:
                // The kernel uses max(conf/all, conf/IF): 2 on the interface is loose whatever "all" says; "all" (or none) sets conf/all.
                var loose = t.Interface is null or "all"
                    ? new SettingsUpdate { RpFilterAll = 2 }
                    : new SettingsUpdate { RpFilterInterfaces = new Dictionary<string, int> { [t.Interface] = 2 } };
                return await revisions.ApplySettingsAsync(loose, author, window, ct);

            case FixKind.SizeWithPlanner:
                if (t.Value is null && t.Buckets is null) throw new DoctorFixRefusedException("the planner fix carries no size");
                return (await revisions.ApplyCapacityAsync(new CapacityApplyRequest { ConntrackMax = t.Value, Buckets = t.Buckets }, author, window, ct)).Revision;

            case FixKind.ShortenTimeout:
                if (t.TimeoutKey is null || t.Value is not { } seconds || seconds is < 1 or > int.MaxValue)
                    throw new DoctorFixRefusedException("the timeout fix names no timeout or value");
                return (await revisions.ApplyCapacityAsync(new CapacityApplyRequest { Timeouts = new Dictionary<string, int> { [t.TimeoutKey] = (int)seconds } },
                    author, window, ct)).Revision;

            case FixKind.SnatFullyRandom:
            case FixKind.SnatWiderPortRange:
                return await ApplyRuleFixAsync(fix, author, window, ct);

            case FixKind.DisableLro:
                if (optionFixes is null) throw NotAvailable(fix);
                return await optionFixes.DisableLroAsync(t.Interface ?? throw new DoctorFixRefusedException("the LRO fix names no interface"), author, window, ct);

            case FixKind.ClampMss:
                if (optionFixes is null) throw NotAvailable(fix);
                return await optionFixes.ClampMssAsync(t, author, window, ct);

            default:
                throw NotAvailable(fix);
        }
    }

    private static DoctorFixRefusedException NotAvailable(DoctorFix fix) =>
        new($"the {fix.Kind} fix is not available yet in this build; make the change by hand");

    /// <summary>
    /// A SNAT rule fix edits the rule in the draft and applies the draft. Only with a clean draft: applying would put
    /// someone's half-done edits into the kernel with the fix. A failed apply discards the edit again (the draft was
    /// the revision in force before it, so discarding restores exactly that).
    /// </summary>
    private async Task<Revision> ApplyRuleFixAsync(DoctorFix fix, string author, TimeSpan window, CancellationToken ct)
    {
        if (fix.Target.RuleId is not { } ruleId) throw new DoctorFixRefusedException("the SNAT fix names no rule");
        if (await revisions.PendingAsync(ct) is { } pending)
            throw new ConfirmationPendingException(pending.RevisionId);
        if ((await rules.GetPendingAsync(withRuleset: false, ct)).HasChanges)
            throw new DoctorFixRefusedException("the rule draft has changes that are not applied: apply or discard the pending changes first, "
                                                 + "so that the fix does not apply them with it");
        var rule = await rules.GetAsync(ruleId, ct) ?? throw new DoctorFixUnavailableException($"rule {ruleId} is no longer in the rule list");
        var changed = Change(rule, fix);
        var saved = await rules.UpdateAsync(ruleId, changed, author, ct);
        if (saved is not { Saved: true })
            throw new DoctorFixRefusedException($"the changed rule '{rule.Name}' is not valid: "
                                                 + string.Join("; ", saved?.Errors.Select(e => $"{e.Field}: {e.Message}") ?? ["it was removed meanwhile"]));
        try
        {
            return await revisions.ApplyRulesAsync($"doctor: {fix.Label} (rule '{rule.Name}')", author, window, ct: ct);
        }
        catch
        {
            await rules.DiscardDraftAsync(CancellationToken.None);
            throw;
        }
    }

    private static NatRule Change(NatRule rule, DoctorFix fix)
    {
        PortRange? ports = null;
        if (fix.Kind == FixKind.SnatWiderPortRange)
        {
            if (!PortRange.TryParse(fix.Target.Ports, out var range, out var error))
                throw new DoctorFixRefusedException($"the port range of the fix is not valid: {error}");
            ports = range;
        }
        // Fully-random takes precedence over random in the kernel (nf_nat_l4proto_unique_tuple tests
        // NF_NAT_RANGE_PROTO_RANDOM_FULLY first), so the plain flag is dropped rather than left meaning nothing.
        return (rule, fix.Kind) switch
        {
            (MasqueradeRule m, FixKind.SnatFullyRandom) => m with { Options = (m.Options & ~NatOptions.Random) | NatOptions.FullyRandom },
            (SnatRule s, FixKind.SnatFullyRandom) => s with { Options = (s.Options & ~NatOptions.Random) | NatOptions.FullyRandom },
            (MasqueradeRule m, _) => m with { Ports = ports },
            (SnatRule s, _) => s with { Ports = ports },
            _ => throw new DoctorFixRefusedException($"rule '{rule.Name}' is a {rule.Kind} rule, not a masquerade or SNAT rule"),
        };
    }
}
