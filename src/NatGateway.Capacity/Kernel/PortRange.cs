using System.Globalization;

namespace NatGateway.Capacity.Kernel;

/// <summary>An inclusive port range, e.g. /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999") or an nft rule's <c>snat to 10.0.0.1:1024-65535</c>.</summary>
public readonly record struct PortRange(int First, int Last)
{
    /// <summary>
    /// The range the kernel NAT picks from when a SNAT/masquerade rule names no ports and the original source port is
    /// 1024 or higher (nf_nat_l4proto_unique_tuple: 1024–65535).
    /// </summary>
    public static PortRange NatDefaultUnprivileged { get; } = new(1024, 65535);

    public int Size => Last >= First ? Last - First + 1 : 0;

    /// <summary>Parses "32768 60999" (whitespace separated, as in ip_local_port_range) or "1024-65535".</summary>
    public static PortRange Parse(string text)
    {
        var parts = text.Split([' ', '\t', '\n', '-'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 ||
            !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var first) ||
            !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var last) ||
            first < 0 || last > 65535 || last < first)
            throw new FormatException($"not a port range: '{text.Trim()}'");
        return new PortRange(first, last);
    }

    public override string ToString() => $"{First}-{Last}";
}
