namespace NatGateway.Web.Hosting;

/// <summary>What <c>natgw serve</c> was asked to do.</summary>
public sealed record ServeOptions
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public string Urls { get; init; } = DefaultUrls;
    public string DatabasePath { get; init; } = NatGateway.Data.DatabaseSetup.DefaultPath();
    public string? ContentRoot { get; init; }
    public string SysctlDirectory { get; init; } = "/etc/sysctl.d";
    public string ProcSysRoot { get; init; } = "/proc/sys";
    public string? Environment { get; init; }
    /// <summary>Default confirmation window for changes made in the browser.</summary>
    public int ConfirmWindowSeconds { get; init; } = 60;
    /// <summary>Days the audit log keeps an entry.</summary>
    public int AuditRetentionDays { get; init; } = 365;
}
