using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Planning;
using NatGateway.Core.Kernel;
using NatGateway.Core.Settings;
using NatGateway.Data;
using NatGateway.Data.Entities;

namespace NatGateway.Core.Capacity;

/// <summary>
/// Capacity planning for the conntrack table of this gateway: plans with the memory model sized to the running kernel
/// (<c>natgw plan</c>), and applies nf_conntrack_max, nf_conntrack_buckets and the conntrack timeouts
/// (<c>sysctl -w net.netfilter.nf_conntrack_max=N</c>), persisting them to sysctl.d and modprobe.d and recording
/// every change like <see cref="KernelSettingsService"/>. In a non-initial namespace max/buckets are reported read-only
/// with the reason instead of failing.
/// </summary>
public sealed class CapacityService(
    IGatewayKernel kernel,
    IConntrackCapacityReader reader,
    IDbContextFactory<NatGatewayDbContext> dbFactory,
    TimeProvider clock)
{
    /// <summary>Upper bound of a timeout: proc_dointvec_jiffies refuses seconds above INT_MAX / HZ (HZ ≤ 1000).</summary>
    public const int MaxTimeoutSeconds = int.MaxValue / 1000;
    /// <summary>nf_conntrack_buckets is an unsigned int of 8-byte heads; beyond this the kvcalloc size overflows 2 GiB.</summary>
    public const long MaxBuckets = int.MaxValue / 8;

    private readonly SemaphoreSlim _applyLock = new(1, 1);

    /// <summary>Raised after an apply changed or persisted something.</summary>
    public event Action? Changed;

    /// <summary>The kernel facts the model is sized from, read now.</summary>
    public KernelConntrackFacts ReadFacts() => reader.ReadFacts();

    /// <summary>Plans with freshly read kernel facts; throws <see cref="ArgumentException"/> for inconsistent inputs.</summary>
    public CapacityPlan Plan(CapacityPlanRequest request) => Plan(request, reader.ReadFacts());

    /// <summary>Plans with given facts (the page reads them once and replans on every slider move).</summary>
    public static CapacityPlan Plan(CapacityPlanRequest request, KernelConntrackFacts facts) => new CapacityPlanner(facts).Plan(request);

    /// <summary>True when nf_conntrack_max can be written here, i.e. natgw runs in the initial network namespace.</summary>
    public bool GlobalLimitsWritable => kernel.Sysctl.IsWritable(ConntrackSysctls.Max);

    /// <summary>The apply request that puts a plan into effect: its max and buckets, plus its timeout suggestions when asked.</summary>
    public static CapacityApplyRequest ApplyRequestFor(CapacityPlan plan, bool includeTimeoutSuggestions, bool persist) => new()
    {
        ConntrackMax = plan.RecommendedMax,
        Buckets = plan.RecommendedBuckets,
        Timeouts = includeTimeoutSuggestions
            ? plan.Timeouts.Where(t => t.SuggestedSeconds < t.CurrentSeconds).ToDictionary(t => t.Sysctl, t => t.SuggestedSeconds)
            : new Dictionary<string, int>(),
        Persist = persist,
    };

    /// <summary>The writes an apply would make, with the API field each belongs to.</summary>
    public static List<(string Field, SysctlKey Key, string Value)> PlannedWrites(CapacityApplyRequest request)
    {
        var writes = new List<(string, SysctlKey, string)>();
        if (request.ConntrackMax is { } max) writes.Add(("conntrackMax", ConntrackSysctls.Max, Invariant(max)));
        if (request.Buckets is { } buckets) writes.Add(("buckets", ConntrackSysctls.Buckets, Invariant(buckets)));
        foreach (var (name, seconds) in request.Timeouts.OrderBy(t => t.Key, StringComparer.Ordinal))
            if (ConntrackSysctls.TimeoutDefaults.ContainsKey(name))
                writes.Add(($"timeouts.{name}", ConntrackSysctls.Timeout(name), Invariant(seconds)));
        return writes;
    }

    /// <summary>
    /// The writes of <paramref name="request"/> that would change the kernel here: writable keys whose value differs.
    /// Empty means an apply would change nothing (values already in force, or max/buckets read-only in this namespace):
    /// the page disables Apply and the API answers "nothing to change" without recording a revision.
    /// </summary>
    public List<(string Field, SysctlKey Key, string Value)> EffectiveWrites(CapacityApplyRequest request)
    {
        var sysctl = kernel.Sysctl;
        return PlannedWrites(request).Where(w => sysctl.IsWritable(w.Key) && sysctl.TryRead(w.Key) != w.Value).ToList();
    }

    /// <summary>The keys of <paramref name="request"/> that cannot be written here, each with what to do instead.</summary>
    public List<(string Key, string Explanation)> ReadOnlyKeys(CapacityApplyRequest request) =>
        PlannedWrites(request).Where(w => !kernel.Sysctl.IsWritable(w.Key)).Select(w => (w.Key.Name, ReadOnlyExplanation(w.Key))).ToList();

    /// <summary>Per-field errors (range, unknown timeout, missing key); read-only keys are not errors.</summary>
    public Dictionary<string, string[]> Validate(CapacityApplyRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request.IsEmpty && !request.Persist)
            errors["body"] = ["nothing to apply: give conntrackMax, buckets or timeouts"];
        if (request.ConntrackMax is < 1 or > int.MaxValue)
            errors["conntrackMax"] = [$"nf_conntrack_max is between 1 and {int.MaxValue:N0}"];
        if (request.Buckets is < 1 or > MaxBuckets)
            errors["buckets"] = [$"nf_conntrack_buckets is between 1 and {MaxBuckets:N0}"];
        foreach (var (name, seconds) in request.Timeouts)
        {
            if (!ConntrackSysctls.TimeoutDefaults.ContainsKey(name))
                errors[$"timeouts.{name}"] = [$"'{name}' is not a conntrack timeout; known: {string.Join(", ", ConntrackSysctls.TimeoutDefaults.Keys)}"];
            else if (seconds is < 1 or > MaxTimeoutSeconds)
                errors[$"timeouts.{name}"] = [$"a timeout is between 1 and {MaxTimeoutSeconds:N0} seconds"];
        }
        foreach (var (field, key, _) in PlannedWrites(request))
            if (!errors.ContainsKey(field) && kernel.Sysctl.TryRead(key) is null)
                errors[field] = [$"{key.Name} does not exist here: load the nf_conntrack module (modprobe nf_conntrack) or add a conntrack rule first"];
        return errors;
    }

    /// <summary>
    /// Writes every writable key or none (keys already written get their old values back when a later one fails,
    /// <see cref="SettingsApplyException"/>), reports read-only keys with the reason, persists on request and records
    /// each change with <paramref name="actor"/>. Call <see cref="Validate"/> first.
    /// </summary>
    public async Task<CapacityApplyResult> ApplyAsync(CapacityApplyRequest request, string? actor, CancellationToken ct = default)
    {
        await _applyLock.WaitAsync(ct);
        try
        {
            var sysctl = kernel.Sysctl;
            var readOnly = new List<ReadOnlySetting>();
            var writable = new List<(string Field, SysctlKey Key, string Value)>();
            foreach (var (field, key, value) in PlannedWrites(request))
            {
                if (sysctl.IsWritable(key)) writable.Add((field, key, value));
                else if (sysctl.TryRead(key) is var old && old != value)
                    readOnly.Add(new ReadOnlySetting(key.Name, value, old, ReadOnlyExplanation(key)));
            }
            var done = SysctlTransaction.WriteAll(sysctl, writable);

            string? sysctlFile = null, modprobeFile = null;
            if (request.Persist)
                (sysctlFile, modprobeFile) = WritePersistFiles();

            if (done.Count > 0)
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var now = clock.GetUtcNow();
                db.SettingChanges.AddRange(done.Select(c => new SettingChange
                {
                    ChangedAt = now, Key = c.Key, OldValue = c.OldValue, NewValue = c.NewValue,
                    ChangedBy = TextLimits.Actor(actor), Persisted = sysctlFile is not null,
                }));
                await db.SaveChangesAsync(ct);
            }
            if (done.Count > 0 || sysctlFile is not null) Changed?.Invoke();
            return new CapacityApplyResult(done, readOnly, sysctlFile, modprobeFile);
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <summary>
    /// Writes the current values atomically (temp file + rename): max and buckets (only when writable here, else they
    /// would change the host at boot) and every timeout that is not at the kernel default, to sysctl.d; buckets also as
    /// <c>options nf_conntrack hashsize=N</c> to modprobe.d, because sysctl.d runs before the module may be loaded.
    /// </summary>
    public (string SysctlFile, string? ModprobeFile) WritePersistFiles()
    {
        var sysctl = kernel.Sysctl;
        var lines = new List<PersistedSysctl>();
        string? buckets = null;
        if (GlobalLimitsWritable)
        {
            if (sysctl.TryRead(ConntrackSysctls.Max) is { } max) lines.Add(new(ConntrackSysctls.Max, max, SkipWhenMissing: true));
            buckets = sysctl.TryRead(ConntrackSysctls.Buckets);
            if (buckets is not null) lines.Add(new(ConntrackSysctls.Buckets, buckets, SkipWhenMissing: true));
        }
        foreach (var (name, fallback) in ConntrackSysctls.TimeoutDefaults)
        {
            var key = ConntrackSysctls.Timeout(name);
            if (sysctl.TryRead(key) is { } value && value != Invariant(fallback))
                lines.Add(new(key, value, SkipWhenMissing: true));
        }
        var sysctlFile = kernel.Persistence.WriteSysctls(PersistedFile.Conntrack, lines);
        var modprobeFile = long.TryParse(buckets, NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            ? kernel.Persistence.WriteConntrackHashsize(size)
            : null;
        return (sysctlFile, modprobeFile);
    }

    public async Task<IReadOnlyList<SettingChange>> HistoryAsync(int take = 50, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.SettingChanges.Where(c => c.Key.StartsWith("net.netfilter.nf_conntrack_"))
            .OrderByDescending(c => c.ChangedAt).ThenByDescending(c => c.Id).Take(take).ToListAsync(ct);
    }

    private static string ReadOnlyExplanation(SysctlKey key) =>
        ConntrackSysctls.IsGlobal(key)
            ? ConntrackSysctls.GlobalReadOnlyExplanation
            : $"{key.Name} is read-only here: natgw needs root or CAP_NET_ADMIN, and /proc/sys must be mounted read-write.";

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
