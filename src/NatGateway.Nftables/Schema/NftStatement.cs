using System.Text.Json.Serialization;

namespace NatGateway.Nftables.Schema;

/// <summary>A statement of a rule's "expr" array (libnftables-json(5), "STATEMENTS").</summary>
[JsonConverter(typeof(NftStatementConverter))]
public abstract record NftStatement;

/// <summary><c>{"match":{"op":"==","left":L,"right":R}}</c> — nft <c>L R</c> / <c>L != R</c>.</summary>
public sealed record NftMatch(NftExpression Left, string Operator, NftExpression Right) : NftStatement
{
    public static NftMatch Equal(NftExpression left, NftExpression right) => new(left, "==", right);
    public static NftMatch NotEqual(NftExpression left, NftExpression right) => new(left, "!=", right);
    /// <summary>Flag test: nft <c>ct status dnat</c>.</summary>
    public static NftMatch In(NftExpression left, NftExpression right) => new(left, "in", right);
}

/// <summary><c>{"counter":null}</c> — an anonymous counter (nft <c>counter</c>).</summary>
public sealed record NftCounter : NftStatement;

/// <summary><c>{"mangle":{"key":K,"value":V}}</c> — nft <c>ct mark set V</c>.</summary>
public sealed record NftMangle(NftExpression Key, NftExpression Value) : NftStatement;

/// <summary><c>{"jump":{"target":"chain"}}</c> — nft <c>jump chain</c>.</summary>
public sealed record NftJump(string Target) : NftStatement;

/// <summary>
/// <c>{"accept":null}</c> — nft <c>accept</c>: ends this base chain for the packet. In a nat chain no NAT is set up by it,
/// and the other tables' nat chains on the hook still run (nf_nat_inet_fn() calls each registered chain in turn).
/// </summary>
public sealed record NftAccept : NftStatement;

public enum NftNatKind
{
    /// <summary>nft <c>snat</c></summary>
    Snat,
    /// <summary>nft <c>dnat</c></summary>
    Dnat,
    /// <summary>nft <c>masquerade</c></summary>
    Masquerade,
    /// <summary>nft <c>redirect</c>: DNAT to the address of the input interface (nf_nat_redirect_ipv4/ipv6), port optional.</summary>
    Redirect,
}

/// <summary>
/// <c>{"dnat":{"addr":A,"port":P,"flags":[...]}}</c>, likewise "snat", "masquerade" and "redirect" (no addr) —
/// nft <c>dnat to A:P</c>, <c>snat to A:P fully-random</c>, <c>masquerade to :P random</c>, <c>redirect to :P</c>.
/// With <see cref="PrefixFamily"/> ("ip"/"ip6") it is prefix NAT:
/// <c>{"snat":{"family":"ip","addr":{"map":...},"flags":["netmap"],"type_flags":["prefix"]}}</c> — nft
/// <c>snat ip prefix to ip saddr map { 10.0.0.0/24 : 192.0.2.0/24 }</c>: the looked-up prefix is a range whose
/// network bits replace the address's, host bits kept (NF_NAT_RANGE_NETMAP, nf_nat_ipv4_netmap()/nft_nat_setup_netmap()).
/// </summary>
public sealed record NftNat(NftNatKind Kind, NftExpression? Address, NftExpression? Port, IReadOnlyList<string> Flags, string? PrefixFamily = null) : NftStatement;

/// <summary>
/// <c>{"vmap":{"key":K,"data":"@name"}}</c> — nft <c>K vmap @name</c>; or with an anonymous verdict map
/// <c>{"vmap":{"key":K,"data":{"set":[[0,{"jump":…}],…]}}}</c> — nft <c>K vmap { 0 : jump c0, 1-2 : jump c1 }</c>.
/// </summary>
public sealed record NftVerdictMapStatement(NftExpression Key, NftExpression Data) : NftStatement;

/// <summary>
/// <c>{"ct timeout":"name"}</c> — nft <c>ct timeout set "name"</c>: attaches the table's ct timeout object to a flow that is
/// not confirmed yet (nft_ct_timeout_obj_eval() returns early for other protocols and for confirmed entries).
/// </summary>
public sealed record NftCtTimeoutSet(string ObjectName) : NftStatement;
