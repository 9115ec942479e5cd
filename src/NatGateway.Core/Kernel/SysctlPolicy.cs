using System.Text.RegularExpressions;

namespace NatGateway.Core.Kernel;

/// <summary>
/// The sysctls NatGateway may write, and the shape of a value. The agent checks every key and value against this before
/// touching /proc/sys, so the web process can reach nothing else there (no "write any file").
/// </summary>
public static partial class SysctlPolicy
{
    /// <summary>Forwarding, rp_filter of all/default/one interface, and the net.netfilter.nf_conntrack_* family.</summary>
    public static bool IsManaged(SysctlKey key)
    {
        var s = key.Segments;
        if (key.Equals(SysctlKey.Ipv4Forwarding) || key.Equals(SysctlKey.Ipv6Forwarding)) return true;
        if (s.Count == 5 && s[0] == "net" && s[1] == "ipv4" && s[2] == "conf" && s[4] == "rp_filter") return IsInterfaceScope(s[3]);
        return s.Count == 3 && s[0] == "net" && s[1] == "netfilter" && ConntrackName().IsMatch(s[2]);
    }

    /// <summary>"all", "default" or a name the kernel accepts for a device (dev_valid_name: 1–15 bytes, not "." or "..",
    /// no '/', ':' or whitespace).</summary>
    public static bool IsInterfaceScope(string scope) =>
        scope.Length is > 0 and < 16 && scope is not ("." or "..") && !scope.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c) || c > '~');

    /// <summary>Every managed key takes one to four unsigned decimal numbers (<c>1</c>, <c>262144</c>, <c>32768 60999</c>).</summary>
    public static bool IsValidValue(string value) => Value().IsMatch(value);

    [GeneratedRegex(@"^nf_conntrack_[a-z0-9_]{1,48}$")]
    private static partial Regex ConntrackName();

    [GeneratedRegex(@"^[0-9]{1,20}(?:[ \t][0-9]{1,20}){0,3}$")]
    private static partial Regex Value();
}
