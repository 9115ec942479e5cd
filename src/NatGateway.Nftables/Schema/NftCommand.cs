using System.Text.Json;
using System.Text.Json.Serialization;

namespace NatGateway.Nftables.Schema;

public enum NftVerb
{
    /// <summary>"add" — nft add (idempotent for tables/chains)</summary>
    Add,
    /// <summary>"delete" — nft delete</summary>
    Delete,
    /// <summary>"flush" — nft flush</summary>
    Flush,
    /// <summary>"list" — nft list (output in the context's output buffer)</summary>
    List,
}

/// <summary>One command: <c>{"add":{"table":{...}}}</c>.</summary>
[JsonConverter(typeof(NftCommandConverter))]
public sealed record NftCommand(NftVerb Verb, NftObject Object)
{
    public static NftCommand Add(NftObject o) => new(NftVerb.Add, o);
    public static NftCommand Delete(NftObject o) => new(NftVerb.Delete, o);
    public static NftCommand List(NftObject o) => new(NftVerb.List, o);
}

/// <summary>A whole batch: <c>{"nftables":[commands...]}</c>, run as one transaction by <c>nft -j -f</c>.</summary>
public sealed record NftBatch([property: JsonPropertyName("nftables")] IReadOnlyList<NftCommand> Commands)
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public string ToJson(bool indented = false) => JsonSerializer.Serialize(this, indented ? Indented : Compact);
}
