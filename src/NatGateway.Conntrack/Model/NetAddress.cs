using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace NatGateway.Conntrack;

/// <summary>
/// An IPv4 or IPv6 address stored inline in 17 bytes (two 64-bit halves in network order plus the family),
/// so flows hold addresses without a heap object each. Ordering is numeric within a family (IPv4 first).
/// </summary>
public readonly struct NetAddress : IEquatable<NetAddress>, IComparable<NetAddress>
{
    /// <summary>First 8 bytes of the address, big-endian (IPv4: the address in the top 32 bits).</summary>
    public ulong High { get; }
    /// <summary>Last 8 bytes of the address, big-endian (IPv4: zero).</summary>
    public ulong Low { get; }
    public IPFamily Family { get; }

    public NetAddress(ulong high, ulong low, IPFamily family)
    {
        High = high;
        Low = low;
        Family = family;
    }

    public bool IsIPv4 => Family == IPFamily.IPv4;
    public bool IsIPv6 => Family == IPFamily.IPv6;

    public static NetAddress FromIPv4(uint hostOrderValue) => new((ulong)hostOrderValue << 32, 0, IPFamily.IPv4);

    /// <summary>The IPv4 address as a host-order integer (10.0.0.1 = 0x0A000001).</summary>
    public uint IPv4Value => (uint)(High >> 32);

    /// <summary>From 4 or 16 network-order bytes (as in CTA_IP_V4_SRC / CTA_IP_V6_SRC).</summary>
    public static NetAddress FromBytes(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        4 => FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(bytes)),
        16 => new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]), IPFamily.IPv6),
        _ => throw new ArgumentException($"address must be 4 or 16 bytes, got {bytes.Length}", nameof(bytes)),
    };

    public static NetAddress FromIPAddress(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out var written);
        return FromBytes(b[..written]);
    }

    public static NetAddress Parse(string text) => FromIPAddress(IPAddress.Parse(text));

    public static bool TryParse(string? text, out NetAddress address)
    {
        if (IPAddress.TryParse(text, out var ip) && ip.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
        {
            address = FromIPAddress(ip);
            return true;
        }
        address = default;
        return false;
    }

    /// <summary>Writes 4 or 16 network-order bytes; returns the count.</summary>
    public int WriteBytes(Span<byte> destination)
    {
        if (IsIPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, IPv4Value);
            return 4;
        }
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
        return 16;
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[16];
        return new IPAddress(b[..WriteBytes(b)]);
    }

    /// <summary>True when the address lies inside prefix/length (same family).</summary>
    public bool IsInPrefix(NetAddress prefix, int prefixLength)
    {
        if (Family != prefix.Family) return false;
        if (prefixLength <= 0) return true;
        if (prefixLength <= 64)
        {
            var mask = prefixLength == 64 ? ulong.MaxValue : ~(ulong.MaxValue >> prefixLength);
            return (High & mask) == (prefix.High & mask);
        }
        var lowMask = prefixLength >= 128 ? ulong.MaxValue : ~(ulong.MaxValue >> (prefixLength - 64));
        return High == prefix.High && (Low & lowMask) == (prefix.Low & lowMask);
    }

    /// <summary>Formats without allocating for IPv4 (dotted quad) and via <see cref="IPAddress"/> for IPv6.</summary>
    public bool TryFormat(Span<char> destination, out int written)
    {
        if (!IsIPv4) return ToIPAddress().TryFormat(destination, out written);
        written = 0;
        var v = IPv4Value;
        for (var i = 3; i >= 0; i--)
        {
            var octet = (byte)(v >> (i * 8));
            if (!octet.TryFormat(destination[written..], out var n)) return false;
            written += n;
            if (i > 0)
            {
                if (written >= destination.Length) return false;
                destination[written++] = '.';
            }
        }
        return true;
    }

    public override string ToString()
    {
        if (Family == IPFamily.Any) return "";
        Span<char> buffer = stackalloc char[64];
        return TryFormat(buffer, out var n) ? new string(buffer[..n]) : ToIPAddress().ToString();
    }

    public bool Equals(NetAddress other) => High == other.High && Low == other.Low && Family == other.Family;
    public override bool Equals(object? obj) => obj is NetAddress other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(High, Low, Family);
    public static bool operator ==(NetAddress a, NetAddress b) => a.Equals(b);
    public static bool operator !=(NetAddress a, NetAddress b) => !a.Equals(b);

    public int CompareTo(NetAddress other)
    {
        var c = Family.CompareTo(other.Family);
        if (c != 0) return c;
        c = High.CompareTo(other.High);
        return c != 0 ? c : Low.CompareTo(other.Low);
    }
}
