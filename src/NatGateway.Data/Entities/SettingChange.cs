namespace NatGateway.Data.Entities;

/// <summary>One kernel setting changed by NatGateway: when, which key, old → new, by whom, and whether it was persisted.</summary>
public sealed class SettingChange
{
    public long Id { get; set; }
    public DateTimeOffset ChangedAt { get; set; }
    /// <summary>Dotted sysctl name, e.g. <c>net.ipv4.conf.all.rp_filter</c>.</summary>
    public required string Key { get; set; }
    public string? OldValue { get; set; }
    public required string NewValue { get; set; }
    /// <summary>Who asked: "web", "api" or "cli" plus the remote address; a user name once accounts exist.</summary>
    public string? ChangedBy { get; set; }
    /// <summary>True when the value was also written to the sysctl.d file for the next boot.</summary>
    public bool Persisted { get; set; }
}
