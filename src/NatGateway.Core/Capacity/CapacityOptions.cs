namespace NatGateway.Core.Capacity;

/// <summary>Where capacity settings are persisted, and how often the Now view samples the table.</summary>
public sealed class CapacityOptions
{
    /// <summary>sysctl.d(5) file name inside <see cref="Settings.SettingsOptions.SysctlDirectory"/>.</summary>
    public string SysctlFileName { get; set; } = "91-natgw-conntrack.conf";

    /// <summary>modprobe.d(5) directory for <c>options nf_conntrack hashsize=N</c> (applies when the module loads).</summary>
    public string ModprobeDirectory { get; set; } = "/etc/modprobe.d";

    public string ModprobeFileName { get; set; } = "natgw-conntrack.conf";

    public TimeSpan NowInterval { get; set; } = TimeSpan.FromSeconds(5);
}
