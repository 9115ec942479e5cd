using System.Net;
using System.Numerics;

namespace NatGateway.Nat;

/// <summary>
/// Addresses to translate to: one address ("10.0.0.1"), an inclusive range ("10.0.0.1-10.0.0.5")
/// or a prefix ("10.0.0.0/30", used as the range of all its addresses).
/// nft equivalent: <c>snat to 10.0.0.1-10.0.0.5</c>.
/// </summary>
public sealed record AddressPool
{
    public IPAddress From { get; }
    public IPAddress To { get; }
    /// <summary>Set when written as a prefix; kept so the text round-trips.</summary>
    public int? PrefixLength { get; }

    private AddressPool(IPAddress from, IPAddress to, int? prefixLength)
    {
        From = from;
        To = to;
        PrefixLength = prefixLength;
    }

    public static AddressPool Single(IPAddress address) => new(address, address, null);

    public static AddressPool Range(IPAddress from, IPAddress to)
    {
        if (IpMath.FamilyOf(from) != IpMath.FamilyOf(to)) throw new ArgumentException("range ends differ in address family");
        if (IpMath.ToNumber(to) < IpMath.ToNumber(from)) throw new ArgumentException($"reversed range {from}-{to}");
        return new(from, to, null);
    }

    public NatFamily Family => IpMath.FamilyOf(From);
    public bool IsSingle => From.Equals(To);
    public BigInteger Count => IpMath.ToNumber(To) - IpMath.ToNumber(From) + 1;

    public bool Contains(IPAddress address) =>
        IpMath.FamilyOf(address) == Family &&
        IpMath.ToNumber(address) >= IpMath.ToNumber(From) && IpMath.ToNumber(address) <= IpMath.ToNumber(To);

    public static bool TryParse(string? text, out AddressPool? pool, out string error)
    {
        pool = null;
        error = "";
        if (string.IsNullOrWhiteSpace(text)) { error = "an address, a range a-b or a prefix is required"; return false; }
        text = text.Trim();
        if (text.Contains('/'))
        {
            if (!IpPrefix.TryParse(text, out var prefix, out error)) return false;
            pool = new AddressPool(prefix!.First, prefix.Last, prefix.Length);
            return true;
        }
        var dash = text.IndexOf('-');
        if (dash < 0)
        {
            if (!IpMath.TryParseAddress(text, out var single)) { error = $"'{text}' is not an IP address"; return false; }
            pool = Single(single!);
            return true;
        }
        if (!IpMath.TryParseAddress(text[..dash], out var from) || !IpMath.TryParseAddress(text[(dash + 1)..], out var to))
        { error = $"'{text}' is not an address range a-b"; return false; }
        if (IpMath.FamilyOf(from!) != IpMath.FamilyOf(to!)) { error = $"'{text}' mixes IPv4 and IPv6"; return false; }
        if (IpMath.ToNumber(to!) < IpMath.ToNumber(from!)) { error = $"reversed range '{text}': the first address must not exceed the second"; return false; }
        pool = new AddressPool(from!, to!, null);
        return true;
    }

    public static AddressPool Parse(string text) => TryParse(text, out var p, out var e) ? p! : throw new FormatException(e);

    public override string ToString() =>
        PrefixLength is { } len ? $"{From}/{len}" : IsSingle ? From.ToString() : $"{From}-{To}";
}
