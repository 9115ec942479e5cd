using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NatGateway.Core.Kernel;
using NatGateway.Data;
using NatGateway.Data.Entities;

namespace NatGateway.Core.Settings;

/// <summary>
/// IP forwarding and reverse-path filtering (<c>sysctl net.ipv4.ip_forward</c>, <c>net.ipv4.conf.*.rp_filter</c>):
/// read, validate, apply all-or-nothing, record every change, optionally persist to sysctl.d.
/// </summary>
public sealed class KernelSettingsService(
    IGatewayKernel kernel,
    IDbContextFactory<NatGatewayDbContext> dbFactory,
    TimeProvider clock)
{
    private static readonly SemaphoreSlim ApplyLock = new(1, 1);

    public event Action? Changed;

    /// <summary>The kernel boundary this service writes through (revisions capture conntrack values with it too).</summary>
    public IGatewayKernel Kernel => kernel;

    public KernelSettingsView Read()
    {
        var sysctl = kernel.Sysctl;
        var readOnly = new List<string>();
        var missing = new List<string>();

        int? ReadInt(SysctlKey key)
        {
            try
            {
                var text = sysctl.TryRead(key);
                if (text is null) { missing.Add(key.Name); return null; }
                if (!sysctl.IsWritable(key)) readOnly.Add(key.Name);
                return int.TryParse(text, out var v) ? v : null;
            }
            catch (SysctlException) { readOnly.Add(key.Name); return null; }
        }

        var v4 = ReadInt(SysctlKey.Ipv4Forwarding);
        var v6 = ReadInt(SysctlKey.Ipv6Forwarding);
        var all = ReadInt(SysctlKey.RpFilter("all"));
        var dflt = ReadInt(SysctlKey.RpFilter("default"));

        var interfaces = kernel.ListInterfaces();
        var own = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var effective = new List<InterfaceRpFilter>();
        foreach (var nic in interfaces)
        {
            if (ReadInt(SysctlKey.RpFilter(nic.Name)) is not { } value) continue;
            own[nic.Name] = value;
            var eff = RpFilterModes.Effective(all ?? 0, value);
            var why = (all ?? 0) > value
                ? $"{RpFilterModes.Describe(eff)}: conf/all ({all}) is higher than the interface's own value ({value}); the kernel uses the maximum"
                : $"{RpFilterModes.Describe(eff)}: the interface's own value ({value}) is at least conf/all ({all ?? 0})";
            effective.Add(new InterfaceRpFilter(nic.Name, value, eff, why));
        }

        var warnings = AsymmetricRoutingWarnings(effective, interfaces, kernel.ListRoutes());
        return new KernelSettingsView(v4 is null ? null : v4 != 0, v6 is null ? null : v6 != 0,
            new RpFilterValues(all, dflt, own), effective, warnings, readOnly, missing);
    }

    /// <summary>Strict rp_filter drops replies that come back on another interface: warn when routing may be asymmetric.</summary>
    public static List<string> AsymmetricRoutingWarnings(
        IReadOnlyList<InterfaceRpFilter> effective, IReadOnlyList<NetworkInterfaceInfo> interfaces, IReadOnlyList<RouteInfo> routes)
    {
        var warnings = new List<string>();
        var strict = effective.Where(e => e.Effective == (int)RpFilterMode.Strict && e.Interface != "lo").Select(e => e.Interface).ToHashSet();
        if (strict.Count == 0) return warnings;

        var defaults = routes.Where(r => r.IsDefault && r.Destination.Contains('.')).Select(r => r.Device).Distinct().ToList();
        if (defaults.Count > 1)
            warnings.Add($"Strict reverse-path filtering with {defaults.Count} IPv4 default routes ({string.Join(", ", defaults)}): " +
                         "replies that return on another uplink are dropped. Use loose mode (2) on these interfaces.");

        var bySubnet = interfaces
            .Where(i => !i.IsLoopback)
            .SelectMany(i => i.Addresses.Where(a => a.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                .Select(a => (Subnet: Subnet(a), i.Name)))
            .GroupBy(x => x.Subnet)
            .Where(g => g.Select(x => x.Name).Distinct().Count() > 1 && g.Any(x => strict.Contains(x.Name)));
        foreach (var group in bySubnet)
            warnings.Add($"Interfaces {string.Join(" and ", group.Select(x => x.Name).Distinct())} share subnet {group.Key} " +
                         "while strict reverse-path filtering is on: traffic may be dropped. Use loose mode (2).");
        return warnings;
    }

    private static string Subnet(InterfaceAddress a)
    {
        var bytes = a.Address.GetAddressBytes();
        var bits = a.PrefixLength;
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(bits - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return $"{new System.Net.IPAddress(bytes)}/{a.PrefixLength}";
    }

    /// <summary>The keys an update would write, with the API field each belongs to.</summary>
    public static List<(string Field, SysctlKey Key, string Value)> PlannedWrites(SettingsUpdate update)
    {
        var writes = new List<(string, SysctlKey, string)>();
        if (update.Ipv4Forwarding is { } v4) writes.Add(("ipv4Forwarding", SysctlKey.Ipv4Forwarding, v4 ? "1" : "0"));
        if (update.Ipv6Forwarding is { } v6) writes.Add(("ipv6Forwarding", SysctlKey.Ipv6Forwarding, v6 ? "1" : "0"));
        if (update.RpFilterAll is { } all) writes.Add(("rpFilter.all", SysctlKey.RpFilter("all"), all.ToString()));
        if (update.RpFilterDefault is { } d) writes.Add(("rpFilter.default", SysctlKey.RpFilter("default"), d.ToString()));
        foreach (var (name, mode) in update.RpFilterInterfaces.OrderBy(p => p.Key, StringComparer.Ordinal))
            writes.Add(($"rpFilter.interfaces.{name}", SysctlKey.RpFilter(name), mode.ToString()));
        return writes;
    }

    /// <summary>Checks that every key exists and is writable here, before anything is written.</summary>
    public Dictionary<string, string[]> Validate(SettingsUpdate update)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var known = kernel.ListInterfaces().Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in update.RpFilterInterfaces.Keys.Where(n => !known.Contains(n)))
            errors[$"rpFilter.interfaces.{name}"] = [$"there is no interface named '{name}' in this network namespace"];
        foreach (var (field, key, _) in PlannedWrites(update))
        {
            if (errors.ContainsKey(field)) continue;
            if (kernel.Sysctl.TryRead(key) is null)
                errors[field] = [$"{key.Name} does not exist in this kernel or network namespace"];
            else if (!kernel.Sysctl.IsWritable(key))
                errors[field] = [$"{key.Name} is read-only here"];
        }
        return errors;
    }

    /// <summary>
    /// Applies all writes or none: when one fails, the keys already written get their old values back.
    /// Each change is recorded with <paramref name="actor"/>.
    /// </summary>
    public async Task<SettingsApplyResult> ApplyAsync(SettingsUpdate update, string? actor, CancellationToken ct = default)
    {
        await ApplyLock.WaitAsync(ct);
        try
        {
            var done = SysctlTransaction.WriteAll(kernel.Sysctl, PlannedWrites(update));

            string? persistedTo = null;
            if (update.Persist)
                persistedTo = WritePersistFile();

            if (done.Count > 0)
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var now = clock.GetUtcNow();
                db.SettingChanges.AddRange(done.Select(c => new SettingChange
                {
                    ChangedAt = now, Key = c.Key, OldValue = c.OldValue, NewValue = c.NewValue,
                    ChangedBy = TextLimits.Actor(actor), Persisted = persistedTo is not null,
                }));
                await db.SaveChangesAsync(ct);
            }
            if (done.Count > 0 || persistedTo is not null) Changed?.Invoke();
            return new SettingsApplyResult(done, persistedTo, Read());
        }
        finally
        {
            ApplyLock.Release();
        }
    }

    /// <summary>Writes the current values of every managed key to the sysctl.d(5) file (<see cref="PersistedFile.Settings"/>).</summary>
    public string WritePersistFile()
    {
        var view = Read();
        var lines = new List<PersistedSysctl>();
        if (view.Ipv4Forwarding is { } v4) lines.Add(new(SysctlKey.Ipv4Forwarding, v4 ? "1" : "0"));
        if (view.Ipv6Forwarding is { } v6) lines.Add(new(SysctlKey.Ipv6Forwarding, v6 ? "1" : "0"));
        if (view.RpFilter.All is { } all) lines.Add(new(SysctlKey.RpFilter("all"), Invariant(all)));
        if (view.RpFilter.Default is { } d) lines.Add(new(SysctlKey.RpFilter("default"), Invariant(d)));
        foreach (var (name, value) in view.RpFilter.Interfaces.Where(p => p.Key != "lo"))
            // systemd-sysctl must skip the key when the interface is absent at boot.
            lines.Add(new(SysctlKey.RpFilter(name), Invariant(value), SkipWhenMissing: true));
        return kernel.Persistence.WriteSysctls(PersistedFile.Settings, lines);
    }

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One page of the settings history, newest first (GET /api/v1/settings/history?page=&amp;pageSize=).</summary>
    public async Task<Paging.PagedList<SettingChange>> HistoryPageAsync(int page, int pageSize, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var total = await db.SettingChanges.CountAsync(ct);
        var items = await db.SettingChanges.AsNoTracking().OrderByDescending(c => c.ChangedAt).ThenByDescending(c => c.Id)
            .Skip(Paging.Paging.Skip(page, pageSize)).Take(pageSize).ToListAsync(ct);
        return new Paging.PagedList<SettingChange>(items, page, pageSize, total);
    }

    public async Task<IReadOnlyList<SettingChange>> HistoryAsync(int take = 100, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.SettingChanges.OrderByDescending(c => c.ChangedAt).ThenByDescending(c => c.Id).Take(take).ToListAsync(ct);
    }
}
