namespace NatGateway.Nat;

/// <summary>
/// Interface names in rules: a Linux interface name, or an nft wildcard (a non-empty prefix then a trailing '*',
/// <c>iifname "eth*"</c>, which nft compiles to a prefix compare and, inside a set, to an interval).
/// </summary>
public static class InterfaceName
{
    /// <summary>IFNAMSIZ (include/uapi/linux/if.h) counts the terminating NUL: a name has at most 15 bytes.</summary>
    public const int MaxLength = 15;

    /// <summary>The reason <paramref name="name"/> cannot be used, or null when it is a valid name or wildcard.</summary>
    /// <remarks>
    /// The kernel's rules are dev_valid_name() in net/core/dev.c: non-empty, shorter than IFNAMSIZ, not "." or "..",
    /// no '/', ':' or whitespace. We are stricter (ASCII letters, digits and - _ . @ +): nft prints names inside double
    /// quotes without escaping them, so a quote would make a saved ruleset (<c>nft -s list ruleset</c>) fail to load or
    /// change its meaning. A '*' is nft's wildcard and only has that meaning at the end.
    /// </remarks>
    public static string? Problem(string name)
    {
        if (name.Length == 0) return "is empty";
        if (name == "*") return "'*' alone would match every interface; give the interface names, or a prefix such as 'eth*'";
        if (name.Length > MaxLength) return $"'{name}' is longer than {MaxLength} characters (the kernel's IFNAMSIZ limit)";
        if (name is "." or "..") return $"'{name}' is not allowed as an interface name";
        foreach (var c in name)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c)) return $"'{name}' contains a space or control character";
            if (c is '/' or ':') return $"'{name}' contains '{c}', which the kernel does not allow in interface names";
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@' or '+' or '*'))
                return $"'{name}' contains '{c}'; interface names here use letters, digits and - _ . @ + only";
        }
        if (name.IndexOf('*') is var star and >= 0 && star != name.Length - 1)
            return $"'{name}' has '*' inside the name; '*' is only allowed at the end, as a wildcard (e.g. 'eth*')";
        return null;
    }

    public static bool IsValid(string name) => Problem(name) is null;

    /// <summary>True for an nft wildcard such as "eth*".</summary>
    public static bool IsWildcard(string name) => name.Length > 1 && name[^1] == '*';

    /// <summary>Whether the interface <paramref name="interfaceName"/> is matched by <paramref name="pattern"/> (a name or a wildcard).</summary>
    public static bool Matches(string pattern, string interfaceName) =>
        IsWildcard(pattern)
            ? interfaceName.StartsWith(pattern[..^1], StringComparison.Ordinal)
            : string.Equals(pattern, interfaceName, StringComparison.Ordinal);

    /// <summary>
    /// Whether some interface could be matched by both lists (names or wildcards; an empty list matches any): "eth*" and
    /// "eth0" may, "eth*" and "et*" may, "wan0" and "wan1" may not.
    /// </summary>
    public static bool ListsMayOverlap(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        a.Count == 0 || b.Count == 0 || a.Any(x => b.Any(y => PatternsMayOverlap(x, y)));

    private static bool PatternsMayOverlap(string x, string y) => (IsWildcard(x), IsWildcard(y)) switch
    {
        (true, true) => x[..^1].StartsWith(y[..^1], StringComparison.Ordinal) || y[..^1].StartsWith(x[..^1], StringComparison.Ordinal),
        (true, false) => Matches(x, y),
        (false, true) => Matches(y, x),
        _ => string.Equals(x, y, StringComparison.Ordinal),
    };
}
