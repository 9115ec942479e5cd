using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text.Json;
using NatGateway.Nat;

namespace NatGateway.Core.Rules;

/// <summary>
/// A rule list as one JSON array in the REST shape (<see cref="NatRuleJson"/>), UTF-8: the revision's rules document and
/// the bytes the agent receives are the same bytes, made once per draft snapshot. An apply at 10,000 rules serialized
/// the list twice, ~80 ms each (issue 12); both now take it from here, and a second caller waits for the first one's
/// result instead of writing it again.
/// </summary>
public static class RuleListUtf8
{
    // Only immutable lists are remembered (their content never changes), weakly: a snapshot nobody holds takes its bytes with it.
    private static readonly ConditionalWeakTable<ImmutableList<NatRule>, Lazy<byte[]>> Made = new();

    /// <summary>The array's bytes: remembered for an immutable list (a draft snapshot), written anew for any other.</summary>
    public static byte[] Of(IReadOnlyList<NatRule> rules) =>
        rules is ImmutableList<NatRule> snapshot
            ? Made.GetValue(snapshot, static s => new Lazy<byte[]>(() => Write(s), LazyThreadSafetyMode.ExecutionAndPublication)).Value
            : Write(rules);

    /// <summary>
    /// Indented, as revisions have always stored their rules documents: documents are addressed by their hash, so the
    /// same list keeps giving the same document (and the revision diff compares unchanged rules as bytes).
    /// </summary>
    public static byte[] Write(IReadOnlyList<NatRule> rules)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(Math.Max(1024, rules.Count * 640));
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartArray();
            foreach (var rule in rules) NatRuleJson.Write(writer, rule);
            writer.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
