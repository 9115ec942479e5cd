using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>
/// An IPv4 or IPv6 address block (CIDR). A single address is a block with the full prefix length.
/// Host bits below the prefix are cleared on parse, so "10.1.2.3/8" reads as "10.0.0.0/8".
/// Matching works on integers (IPv4 as uint, IPv6 as UInt128) so the mirror never builds IPAddress objects to filter.
/// </summary>
public readonly record struct AddressBlock
{
    private readonly UInt128 _network;
    private readonly UInt128 _mask;

    public AddressFamily Family { get; }
    public int PrefixLength { get; }

    private AddressBlock(AddressFamily family, UInt128 network, int prefixLength)
    {
        Family = family;
        PrefixLength = prefixLength;
        var bits = family == AddressFamily.InterNetwork ? 32 : 128;
        _mask = prefixLength == 0 ? UInt128.Zero : (UInt128.MaxValue << (bits - prefixLength)) & MaxOf(bits);
        _network = network & _mask;
    }

    private static UInt128 MaxOf(int bits) => bits == 128 ? UInt128.MaxValue : (UInt128)uint.MaxValue;

    public bool IsSingleAddress => PrefixLength == (Family == AddressFamily.InterNetwork ? 32 : 128);

    /// <summary>The network address (for a single address: the address).</summary>
    public IPAddress Network => Family == AddressFamily.InterNetwork ? FromIPv4((uint)_network) : FromIPv6(_network);

    /// <summary>The IPv4 network as a host-order uint (only for IPv4 blocks).</summary>
    public uint IPv4Network => (uint)_network;
    public uint IPv4Mask => (uint)_mask;

    public bool ContainsIPv4(uint address) => Family == AddressFamily.InterNetwork && (address & (uint)_mask) == (uint)_network;
    public bool ContainsIPv6(UInt128 address) => Family == AddressFamily.InterNetworkV6 && (address & _mask) == _network;

    public bool Contains(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => ContainsIPv4(ToIPv4(address)),
        AddressFamily.InterNetworkV6 => ContainsIPv6(ToIPv6(address)),
        _ => false,
    };

    public static AddressBlock Single(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork
        ? new AddressBlock(AddressFamily.InterNetwork, ToIPv4(address), 32)
        : new AddressBlock(AddressFamily.InterNetworkV6, ToIPv6(address), 128);

    /// <summary>Parses "10.0.0.0/8", "fd77::/64", "10.0.0.5", "fd77:1::2". Returns an error text instead of throwing.</summary>
    public static bool TryParse(string text, out AddressBlock block, out string? error)
    {
        block = default;
        var slash = text.IndexOf('/');
        var addressPart = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressPart, out var address) ||
            address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6) ||
            (address.AddressFamily == AddressFamily.InterNetwork && addressPart.Count(c => c == '.') != 3) ||
            (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0))
        {
            error = slash < 0 ? $"bad address '{text}'" : $"bad CIDR '{text}'";
            return false;
        }
        var maxPrefix = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = maxPrefix;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out prefix) || prefix > maxPrefix))
        {
            error = $"bad CIDR '{text}': prefix length must be 0-{maxPrefix}";
            return false;
        }
        var value = address.AddressFamily == AddressFamily.InterNetwork ? ToIPv4(address) : ToIPv6(address);
        block = new AddressBlock(address.AddressFamily, value, prefix);
        error = null;
        return true;
    }

    /// <summary>Canonical text: the address alone for a single address, else network/prefix.</summary>
    public override string ToString() => IsSingleAddress ? Network.ToString() : $"{Network}/{PrefixLength}";

    internal static uint ToIPv4(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    internal static UInt128 ToIPv6(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    internal static IPAddress FromIPv4(uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPAddress(bytes);
    }

    internal static IPAddress FromIPv6(UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return new IPAddress(bytes);
    }
}
