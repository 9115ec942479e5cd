using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace NatGateway.Nat;

/// <summary>
/// A network in CIDR notation ("10.0.0.0/8", "fd00::/64"); a bare address means a single host (/32 or /128).
/// nft equivalent: <c>ip saddr 10.0.0.0/8</c>.
/// </summary>
public sealed record IpPrefix(IPAddress Network, int Length)
{
    public NatFamily Family => Network.AddressFamily == AddressFamily.InterNetworkV6 ? NatFamily.Ipv6 : NatFamily.Ipv4;
    public int MaxLength => Family == NatFamily.Ipv6 ? 128 : 32;
    public bool IsHost => Length == MaxLength;

    public IPAddress First => Network;
    public IPAddress Last => IpMath.FromNumber(IpMath.ToNumber(Network) | HostMask(Length, MaxLength), Family);

    public bool Contains(IPAddress address) =>
        IpMath.FamilyOf(address) == Family &&
        (IpMath.ToNumber(address) & ~HostMask(Length, MaxLength) & IpMath.AllOnes(Family)) == IpMath.ToNumber(Network);

    public bool Contains(IpPrefix other) => other.Family == Family && other.Length >= Length && Contains(other.Network);
    public bool Overlaps(IpPrefix other) => Contains(other) || other.Contains(this);

    private static BigInteger HostMask(int length, int max) => (BigInteger.One << (max - length)) - 1;

    public static bool TryParse(string? text, out IpPrefix? prefix, out string error)
    {
        prefix = null;
        error = "";
        if (string.IsNullOrWhiteSpace(text)) { error = "an address or CIDR such as 10.0.0.0/8 is required"; return false; }
        var parts = text.Trim().Split('/');
        if (parts.Length > 2 || !IpMath.TryParseAddress(parts[0], out var address))
        { error = $"'{text}' is not an IP address or CIDR"; return false; }
        var max = IpMath.FamilyOf(address!) == NatFamily.Ipv6 ? 128 : 32;
        var length = max;
        if (parts.Length == 2 && (!int.TryParse(parts[1], out length) || length < 0 || length > max || !parts[1].All(char.IsAsciiDigit)))
        { error = $"'{text}' has an invalid prefix length (0..{max})"; return false; }
        var network = IpMath.ToNumber(address!) & ~HostMask(length, max) & IpMath.AllOnes(IpMath.FamilyOf(address!));
        if (network != IpMath.ToNumber(address!))
        {
            error = $"'{text}' has host bits set; did you mean {IpMath.FromNumber(network, IpMath.FamilyOf(address!))}/{length}?";
            return false;
        }
        prefix = new IpPrefix(address!, length);
        return true;
    }

    public static IpPrefix Parse(string text) => TryParse(text, out var p, out var e) ? p! : throw new FormatException(e);

    public override string ToString() => IsHost ? Network.ToString() : $"{Network}/{Length}";
}
