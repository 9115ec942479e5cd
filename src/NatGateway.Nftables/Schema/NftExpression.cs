using System.Text.Json.Serialization;

namespace NatGateway.Nftables.Schema;

/// <summary>An expression of the libnftables JSON schema (libnftables-json(5), "EXPRESSIONS").</summary>
[JsonConverter(typeof(NftExpressionConverter))]
public abstract record NftExpression
{
    public static implicit operator NftExpression(string value) => new NftString(value);
    public static implicit operator NftExpression(long value) => new NftNumber(value);
}

/// <summary>A string immediate: "tcp", "10.0.0.1", "lan0", or a set reference "@name".</summary>
public sealed record NftString(string Value) : NftExpression;

/// <summary>A numeric immediate (ports, marks).</summary>
public sealed record NftNumber(long Value) : NftExpression;

/// <summary><c>{"payload":{"protocol":"tcp","field":"dport"}}</c> — nft <c>tcp dport</c>.</summary>
public sealed record NftPayload(string Protocol, string Field) : NftExpression;

/// <summary><c>{"meta":{"key":"iifname"}}</c> — nft <c>meta iifname</c>.</summary>
public sealed record NftMeta(string Key) : NftExpression;

/// <summary><c>{"tcp option":{"name":"maxseg","field":"size"}}</c> — nft <c>tcp option maxseg size</c>.</summary>
public sealed record NftTcpOption(string Name, string Field) : NftExpression;

/// <summary><c>{"rt":{"key":"mtu"}}</c> — nft <c>rt mtu</c> (the route's MTU, for the MSS clamp).</summary>
public sealed record NftRt(string Key) : NftExpression;

/// <summary><c>{"ct":{"key":"mark"}}</c> — nft <c>ct mark</c>.</summary>
public sealed record NftCt(string Key) : NftExpression;

/// <summary><c>{"fib":{"result":"type","flags":["daddr","iif"]}}</c> — nft <c>fib daddr . iif type</c>.</summary>
public sealed record NftFib(string Result, IReadOnlyList<string> Flags) : NftExpression;

/// <summary><c>{"prefix":{"addr":"10.0.0.0","len":8}}</c> — nft <c>10.0.0.0/8</c>.</summary>
public sealed record NftPrefix(string Address, int Length) : NftExpression;

/// <summary><c>{"range":[a,b]}</c> — nft <c>a-b</c>.</summary>
public sealed record NftRange(NftExpression From, NftExpression To) : NftExpression;

/// <summary>Anonymous set <c>{"set":[...]}</c> — nft <c>{ a, b }</c>. Items may be <see cref="NftMapping"/> pairs (anonymous map).</summary>
public sealed record NftSet(IReadOnlyList<NftExpression> Items) : NftExpression;

/// <summary>A key : value pair inside an anonymous map or a map's elements: JSON <c>[key, value]</c>.</summary>
public sealed record NftMapping(NftExpression Key, NftExpression Value) : NftExpression;

/// <summary>Map lookup <c>{"map":{"key":K,"data":D}}</c> — nft <c>K map D</c> (D is an anonymous set of mappings or "@name").</summary>
public sealed record NftMapLookup(NftExpression Key, NftExpression Data) : NftExpression;

/// <summary>A set/map element with attributes <c>{"elem":{"val":V,"comment":"..."}}</c> — nft <c>V comment "..."</c>.</summary>
public sealed record NftElement(NftExpression Value, string? Comment) : NftExpression;

/// <summary>Binary operation <c>{"&amp;":[a,b]}</c> / <c>{"|":[a,b]}</c> — nft <c>a &amp; b</c>, <c>a | b</c>.</summary>
public sealed record NftBinary(NftBinaryOperator Operator, NftExpression Left, NftExpression Right) : NftExpression;

public enum NftBinaryOperator
{
    /// <summary>"&amp;"</summary>
    And,
    /// <summary>"|"</summary>
    Or,
}

/// <summary>A verdict as map data: <c>{"jump":{"target":"chain"}}</c> — nft <c>jump chain</c> inside a verdict map.</summary>
public sealed record NftJumpVerdict(string Target) : NftExpression;

/// <summary>
/// <c>{"numgen":{"mode":"inc","mod":N,"offset":0}}</c> — nft <c>numgen inc mod N</c>: a counter shared by every packet that
/// evaluates the expression, modulo N (nft_ng_inc_gen() in net/netfilter/nft_numgen.c, an atomic cmpxchg loop).
/// </summary>
public sealed record NftNumgen(int Modulus) : NftExpression;

/// <summary>
/// <c>{"jhash":{"mod":N,"seed":S,"expr":E}}</c> — nft <c>jhash ip saddr mod N seed 0x…</c>: jhash() of E's bytes with seed S,
/// reduced to 0..N-1 (nft_jhash_eval() in net/netfilter/nft_hash.c, reciprocal_scale()).
/// </summary>
public sealed record NftJhash(NftExpression Input, int Modulus, uint Seed) : NftExpression;
