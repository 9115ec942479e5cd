namespace NatGateway.Core.Settings;

/// <summary>Values of <c>net.ipv4.conf.*.rp_filter</c> (Documentation/networking/ip-sysctl.rst).</summary>
public enum RpFilterMode
{
    /// <summary>0: no source validation.</summary>
    Off = 0,
    /// <summary>1: strict (RFC 3704): the reverse path must leave through the receiving interface.</summary>
    Strict = 1,
    /// <summary>2: loose: the source must be reachable through any interface.</summary>
    Loose = 2,
}

public static class RpFilterModes
{
    public static string Describe(int value) => value switch
    {
        0 => "off",
        1 => "strict",
        2 => "loose",
        _ => $"unknown ({value})",
    };

    /// <summary>The kernel validates with max(conf/all/rp_filter, conf/IFACE/rp_filter).</summary>
    public static int Effective(int all, int own) => Math.Max(all, own);
}
