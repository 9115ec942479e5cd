using System.Net;
using NatGateway.Nat;
using NatGateway.Nftables.Schema;

namespace NatGateway.Nftables;

/// <summary>Typed building blocks shared by the compiler (each returns schema objects, never text).</summary>
internal static class Expr
{
    /// <summary><c>iifname "lan0"</c>, <c>iifname { "a", "b" }</c>, <c>iifname != ...</c>; nothing for an empty list.</summary>
    public static IEnumerable<NftStatement> Interfaces(string key, IReadOnlyList<string> names, bool negate)
    {
        if (names.Count == 0) yield break;
        NftExpression right = names.Count == 1 ? new NftString(names[0]) : new NftSet(names.Select(n => (NftExpression)new NftString(n)).ToList());
        yield return negate ? NftMatch.NotEqual(new NftMeta(key), right) : NftMatch.Equal(new NftMeta(key), right);
    }

    /// <summary><c>ip saddr 10.0.0.0/8</c> or <c>ip saddr { a, b }</c>; nothing for an empty list.</summary>
    public static IEnumerable<NftStatement> Cidrs(NatFamily family, string field, IReadOnlyList<IpPrefix> prefixes)
    {
        if (prefixes.Count == 0) yield break;
        NftExpression right = prefixes.Count == 1 ? Prefix(prefixes[0]) : new NftSet(prefixes.Select(Prefix).ToList());
        yield return NftMatch.Equal(new NftPayload(NftFamily.Payload(family), field), right);
    }

    public static NftExpression Prefix(IpPrefix p) => p.IsHost ? new NftString(p.Network.ToString()) : new NftPrefix(p.Network.ToString(), p.Length);

    /// <summary>
    /// A prefix as an interval (a map key or a prefix-NAT value): always <c>{"prefix":…}</c>, a host as /32 or /128, since
    /// prefix NAT needs the range's width to know which bits to keep.
    /// </summary>
    public static NftExpression PrefixRange(IpPrefix p) => new NftPrefix(p.Network.ToString(), p.Length);

    /// <summary>
    /// <c>ip daddr 192.0.2.1</c>, or for "any address of the input interface" <c>fib daddr . iif type local</c>
    /// (<c>fib daddr type local</c> where the interface doesn't matter: hairpin and output).
    /// </summary>
    public static NftStatement DestinationAddress(NatFamily family, IPAddress? address, bool withInputInterface) =>
        address is not null
            ? NftMatch.Equal(new NftPayload(NftFamily.Payload(family), "daddr"), address.ToString())
            : NftMatch.Equal(new NftFib("type", withInputInterface ? ["daddr", "iif"] : ["daddr"]), "local");

    public static IEnumerable<NftStatement> Protocol(string? proto)
    {
        if (proto is not null) yield return NftMatch.Equal(new NftMeta("l4proto"), proto);
    }

    public static NftExpression Ports(PortRange range) =>
        range.IsSingle ? new NftNumber(range.From) : new NftRange(new NftNumber(range.From), new NftNumber(range.To));

    public static NftExpression Pool(AddressPool pool) =>
        pool.IsSingle ? new NftString(pool.From.ToString()) : new NftRange(new NftString(pool.From.ToString()), new NftString(pool.To.ToString()));

    public static IReadOnlyList<string> Flags(NatOptions options) => NatRuleJson.OptionTexts(options).ToList();

    /// <summary><c>ct mark set ct mark and ~mask or (markId &lt;&lt; shift)</c>: other bits of the mark survive.</summary>
    public static NftStatement SetMark(NatCompileOptions options, int markId) =>
        new NftMangle(new NftCt("mark"),
            new NftBinary(NftBinaryOperator.Or,
                new NftBinary(NftBinaryOperator.And, new NftCt("mark"), new NftNumber(~options.MarkMask)),
                new NftNumber(options.MarkValue(markId))));

    /// <summary><c>ct mark &amp; ~mask == 0</c>: no bit of the mark outside our field is set.</summary>
    public static NftStatement OtherMarkBitsClear(NatCompileOptions options) =>
        NftMatch.Equal(new NftBinary(NftBinaryOperator.And, new NftCt("mark"), new NftNumber(~options.MarkMask)), new NftNumber(0));

    /// <summary><c>ct mark set ct mark and ~mask</c></summary>
    public static NftStatement ClearMark(NatCompileOptions options) =>
        new NftMangle(new NftCt("mark"), new NftBinary(NftBinaryOperator.And, new NftCt("mark"), new NftNumber(~options.MarkMask)));
}
