namespace NatGateway.Core.Kernel;

/// <summary>
/// A sysctl name in dotted form (<c>net.ipv4.ip_forward</c>) and its path under /proc/sys.
/// Interface names may contain dots (<c>eth0.100</c>, a VLAN); sysctl(8) writes those as
/// slashes (<c>net.ipv4.conf.eth0/100.rp_filter</c>), so keys are built from segments, never parsed.
/// </summary>
public sealed record SysctlKey(IReadOnlyList<string> Segments)
{
    public static SysctlKey Ipv4Forwarding { get; } = new(["net", "ipv4", "ip_forward"]);
    public static SysctlKey Ipv6Forwarding { get; } = new(["net", "ipv6", "conf", "all", "forwarding"]);

    /// <summary><c>net.ipv4.conf.{scope}.rp_filter</c> where scope is all, default or an interface.</summary>
    public static SysctlKey RpFilter(string scope) => new(["net", "ipv4", "conf", scope, "rp_filter"]);

    public string Name => string.Join('.', Segments.Select(s => s.Replace('.', '/')));

    public string RelativePath => Path.Combine(Segments.ToArray());

    public override string ToString() => Name;

    public bool Equals(SysctlKey? other) => other is not null && Segments.SequenceEqual(other.Segments);

    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);
}
