namespace NatGateway.Web.Hosting;

/// <summary>What <c>natgw serve</c> was asked to do.</summary>
public sealed record ServeOptions
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public string Urls { get; init; } = DefaultUrls;
    public string DatabasePath { get; init; } = NatGateway.Data.DatabaseSetup.DefaultPath();
    public string? ContentRoot { get; init; }
    public string SysctlDirectory { get; init; } = "/etc/sysctl.d";
    public string ModprobeDirectory { get; init; } = "/etc/modprobe.d";
    public string ProcSysRoot { get; init; } = "/proc/sys";
    /// <summary>Agent mode: reach the kernel only through <c>natgw agent</c> at this socket (<c>--agent</c>); null: single-process.</summary>
    public string? AgentSocket { get; init; }
    public string? Environment { get; init; }
    /// <summary>Default confirmation window for changes made in the browser.</summary>
    public int ConfirmWindowSeconds { get; init; } = 60;
    /// <summary>Revision retention: the newest N are kept (<c>--keep-revisions</c>).</summary>
    public int KeepRevisions { get; init; } = NatGateway.Core.Revisions.RevisionRetention.DefaultKeepCount;
    /// <summary>Revision retention: none older than D days (<c>--keep-revisions-days</c>).</summary>
    public int KeepRevisionsDays { get; init; } = NatGateway.Core.Revisions.RevisionRetention.DefaultKeepDays;
    /// <summary>Host names/addresses natgw answers (comma separated, <c>*</c> for any); null: its listen addresses and names.</summary>
    public string? AllowedHosts { get; init; }
    /// <summary>PEM certificate (chain) for https:// listen URLs, with <see cref="HttpsKeyPath"/>.</summary>
    public string? HttpsCertificatePath { get; init; }
    /// <summary>PEM private key of <see cref="HttpsCertificatePath"/>.</summary>
    public string? HttpsKeyPath { get; init; }
    /// <summary>Days the audit log keeps an entry.</summary>
    public int AuditRetentionDays { get; init; } = 365;
    /// <summary>Who may scrape <c>/metrics</c> (<c>--metrics-access</c>).</summary>
    public NatGateway.Web.Metrics.MetricsAccessMode MetricsAccess { get; init; } = NatGateway.Web.Metrics.MetricsAccessMode.Loopback;
}
