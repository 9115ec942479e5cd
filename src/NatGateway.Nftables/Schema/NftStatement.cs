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

public enum NftNatKind
{
    /// <summary>nft <c>snat</c></summary>
    Snat,
    /// <summary>nft <c>dnat</c></summary>
    Dnat,
    /// <summary>nft <c>masquerade</c></summary>
    Masquerade,
}

/// <summary>
/// <c>{"dnat":{"addr":A,"port":P,"flags":[...]}}</c>, likewise "snat" and "masquerade" (no addr) —
/// nft <c>dnat to A:P</c>, <c>snat to A:P fully-random</c>, <c>masquerade to :P random</c>.
/// </summary>
public sealed record NftNat(NftNatKind Kind, NftExpression? Address, NftExpression? Port, IReadOnlyList<string> Flags) : NftStatement;

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
