using System.Text.Json.Serialization;

namespace NatGateway.Nftables.Schema;

/// <summary>A ruleset object addressed by a command (libnftables-json(5), "RULESET ELEMENTS").</summary>
[JsonConverter(typeof(NftObjectConverter))]
public abstract record NftObject
{
    [JsonPropertyName("family")] public required string Family { get; init; }
}

/// <summary><c>{"table":{"family":"ip","name":"natgw"}}</c> — nft <c>table ip natgw</c>.</summary>
public sealed record NftTable : NftObject
{
    [JsonPropertyName("name")] public required string Name { get; init; }
}

/// <summary>
/// <c>{"chain":{...,"type":"nat","hook":"prerouting","prio":-100,"policy":"accept"}}</c> —
/// nft <c>chain prerouting { type nat hook prerouting priority dstnat; }</c>. Regular chains leave type/hook/prio null.
/// </summary>
public sealed record NftChain : NftObject
{
    [JsonPropertyName("table")] public required string Table { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("type"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Type { get; init; }
    [JsonPropertyName("hook"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Hook { get; init; }
    [JsonPropertyName("prio"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Priority { get; init; }
    [JsonPropertyName("policy"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Policy { get; init; }
}

/// <summary>
/// A named set (<see cref="MapType"/> null) or map — nft <c>set s { type inet_service; }</c> /
/// <c>map m { type inet_service : ipv4_addr; counter; }</c>. Only single (non-concatenated) types are ever emitted:
/// libnftables 1.0.6 crashes on concatenated map types in JSON.
/// </summary>
public sealed record NftNamedSet : NftObject
{
    [JsonIgnore] public bool IsMap => MapType is not null;
    [JsonPropertyName("table")] public required string Table { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("type")] public required NftDataType Type { get; init; }
    [JsonPropertyName("map"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public NftDataType? MapType { get; init; }
    /// <summary>Per-element counters (nft <c>counter</c> in the set body): the set's "stmt":[{"counter":null}].</summary>
    [JsonIgnore] public bool CountElements { get; init; }
    [JsonPropertyName("stmt"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<NftStatement>? Statements => CountElements ? [new NftCounter()] : null;
    [JsonPropertyName("elem"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<NftExpression>? Elements { get; init; }
}

/// <summary>A rule: <c>{"rule":{"family":"ip","table":"natgw","chain":"prerouting","comment":"...","expr":[...]}}</c>.</summary>
public sealed record NftRule : NftObject
{
    [JsonPropertyName("table")] public required string Table { get; init; }
    [JsonPropertyName("chain")] public required string Chain { get; init; }
    [JsonPropertyName("comment"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Comment { get; init; }
    [JsonPropertyName("expr")] public required IReadOnlyList<NftStatement> Expressions { get; init; }
}

/// <summary>
/// A conntrack timeout policy object: <c>{"ct timeout":{"family":"inet","table":"natgw_ct","name":"tcp_est86400","protocol":"tcp",
/// "l3proto":"inet","policy":{"established":86400}}}</c> — nft <c>ct timeout tcp_est86400 { protocol tcp; l3proto inet;
/// policy = { established : 86400 } }</c>. States left out keep the namespace's sysctl values as they are when the object is
/// created (nft_ct_timeout_obj_init() fills the array from the per-netns defaults, then overrides the given states).
/// libnftables 1.0.6 drops "policy" from this JSON: the engine creates the object over netlink first (the batch's "add"
/// then keeps it), see <see cref="NatGateway.Netlink.Netfilter.NftCtTimeoutObjects"/>.
/// </summary>
public sealed record NftCtTimeout : NftObject
{
    [JsonPropertyName("table")] public required string Table { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("protocol")] public required NftTimeoutProtocol Protocol { get; init; }
    [JsonPropertyName("l3proto")] public required string L3Protocol { get; init; }
    [JsonPropertyName("policy")] public required IReadOnlyDictionary<NftTimeoutState, int> Policy { get; init; }
}

/// <summary>The protocols an nft ct timeout object can carry here (libnftables' JSON parser accepts only these two).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NftTimeoutProtocol>))]
public enum NftTimeoutProtocol
{
    [JsonStringEnumMemberName("tcp")] Tcp,
    [JsonStringEnumMemberName("udp")] Udp,
}

/// <summary>Conntrack states a policy sets (nft's names: tcp "established"; udp "unreplied", "replied").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NftTimeoutState>))]
public enum NftTimeoutState
{
    [JsonStringEnumMemberName("established")] Established,
    [JsonStringEnumMemberName("unreplied")] Unreplied,
    [JsonStringEnumMemberName("replied")] Replied,
}

/// <summary>Single (never concatenated) data types used in our sets and maps.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NftDataType>))]
public enum NftDataType
{
    [JsonStringEnumMemberName("inet_service")] InetService,
    [JsonStringEnumMemberName("ipv4_addr")] Ipv4Address,
    [JsonStringEnumMemberName("ipv6_addr")] Ipv6Address,
    /// <summary>Map data type of a mark map (nft <c>type inet_service : mark</c>), used for <c>ct mark set ... map</c>.</summary>
    [JsonStringEnumMemberName("mark")] Mark,
    /// <summary>Map data type of a verdict map (nft <c>type inet_service : verdict</c>).</summary>
    [JsonStringEnumMemberName("verdict")] Verdict,
}
