namespace NatGateway.Core.Settings;

public sealed class SettingsOptions
{
    /// <summary>Where "persist across reboot" writes its file (sysctl.d(5)); tests point it at a temp dir.</summary>
    public string SysctlDirectory { get; set; } = "/etc/sysctl.d";

    public string PersistFileName { get; set; } = "90-natgw.conf";
}
