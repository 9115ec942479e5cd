namespace NatGateway.Core.Settings;

/// <summary>rp_filter values as the API shapes them: <c>{"all": 2, "default": 1, "interfaces": {"eth0": 1}}</c>.</summary>
public sealed record RpFilterValues(int? All, int? Default, IReadOnlyDictionary<string, int> Interfaces);

/// <summary>One interface's own rp_filter, the value the kernel really uses, and why.</summary>
public sealed record InterfaceRpFilter(string Interface, int Own, int Effective, string Explanation);

/// <summary>What GET /api/v1/settings returns and the Settings page shows.</summary>
public sealed record KernelSettingsView(
    bool? Ipv4Forwarding,
    bool? Ipv6Forwarding,
    RpFilterValues RpFilter,
    IReadOnlyList<InterfaceRpFilter> EffectiveRpFilter,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<string> ReadOnlyKeys,
    IReadOnlyList<string> MissingKeys);
