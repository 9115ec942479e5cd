namespace NatGateway.Core.Settings;

/// <summary>A partial change: every null member is left as it is (PUT /api/v1/settings may carry any subset).</summary>
public sealed record SettingsUpdate
{
    public bool? Ipv4Forwarding { get; init; }
    public bool? Ipv6Forwarding { get; init; }
    public int? RpFilterAll { get; init; }
    public int? RpFilterDefault { get; init; }
    public IReadOnlyDictionary<string, int> RpFilterInterfaces { get; init; } = new Dictionary<string, int>();
    /// <summary>Also write the values to the sysctl.d file so they survive a reboot.</summary>
    public bool Persist { get; init; }

    public bool IsEmpty => Ipv4Forwarding is null && Ipv6Forwarding is null && RpFilterAll is null
                           && RpFilterDefault is null && RpFilterInterfaces.Count == 0;
}
