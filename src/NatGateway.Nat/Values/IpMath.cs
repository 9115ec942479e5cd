using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace NatGateway.Nat;

/// <summary>Address arithmetic shared by the value types (addresses as unsigned big-endian numbers).</summary>
public static class IpMath
{
    public static NatFamily FamilyOf(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? NatFamily.Ipv6 : NatFamily.Ipv4;

    public static BigInteger ToNumber(IPAddress address) =>
        new(address.GetAddressBytes(), isUnsigned: true, isBigEndian: true);

    public static BigInteger AllOnes(NatFamily family) => (BigInteger.One << (family == NatFamily.Ipv6 ? 128 : 32)) - 1;

    public static IPAddress FromNumber(BigInteger value, NatFamily family)
    {
        var size = family == NatFamily.Ipv6 ? 16 : 4;
        var bytes = new byte[size];
        var raw = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        raw.CopyTo(bytes, size - raw.Length);
        return new IPAddress(bytes);
    }

    /// <summary>Strict parse: dotted quad or IPv6 text only (IPAddress.TryParse alone accepts "1" or "1.2").</summary>
    public static bool TryParseAddress(string? text, out IPAddress? address)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        if (text.Contains('%')) return false; // scope ids have no meaning in NAT rules
        if (!IPAddress.TryParse(text, out var parsed)) return false;
        if (parsed.AddressFamily == AddressFamily.InterNetwork && text.Split('.').Length != 4) return false;
        if (parsed.IsIPv4MappedToIPv6) return false;
        address = parsed;
        return true;
    }
}
