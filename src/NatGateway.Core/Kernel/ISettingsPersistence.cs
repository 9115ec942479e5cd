namespace NatGateway.Core.Kernel;

/// <summary>The files that make settings survive a reboot. Each kind has one fixed name and header: callers never pass a path.</summary>
public enum PersistedFile
{
    /// <summary>Forwarding and rp_filter: sysctl.d(5) <c>90-natgw.conf</c>.</summary>
    Settings,

    /// <summary>nf_conntrack_max/buckets and timeouts: sysctl.d(5) <c>91-natgw-conntrack.conf</c>.</summary>
    Conntrack,
}

/// <summary>One <c>key = value</c> line; <see cref="SkipWhenMissing"/> writes it as <c>-key = value</c> so systemd-sysctl
/// skips a key that does not exist at boot (an absent interface, nf_conntrack not loaded yet).</summary>
public sealed record PersistedSysctl(SysctlKey Key, string Value, bool SkipWhenMissing = false);

/// <summary>Writes the boot-time files atomically (temp file + rename) and returns the path written.</summary>
public interface ISettingsPersistence
{
    /// <summary>Replaces the sysctl.d file of <paramref name="file"/> with these lines (values are checked like any sysctl write).</summary>
    string WriteSysctls(PersistedFile file, IReadOnlyList<PersistedSysctl> values);

    /// <summary>modprobe.d(5) <c>options nf_conntrack hashsize=N</c>: sysctl.d runs before the module may be loaded.</summary>
    string WriteConntrackHashsize(long buckets);
}
