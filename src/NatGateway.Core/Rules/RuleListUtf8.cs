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
    /// same list keeps giving the same document (and the revision diff compares unchanged rules as bytes). A long list is
    /// written in chunks on every core (the apply waits for these bytes before the agent can start) and joined into the
    /// bytes one writer makes.
    /// </summary>
    public static byte[] Write(IReadOnlyList<NatRule> rules)
    {
        const int chunk = 2048;
        if (rules.Count <= chunk) return WriteArray(rules, 0, rules.Count);
        var parts = new byte[(rules.Count + chunk - 1) / chunk][];
        Parallel.For(0, parts.Length, i => parts[i] = WriteArray(rules, i * chunk, Math.Min(rules.Count, (i + 1) * chunk)));
        // Each part is "[" + elements + "\n]": one writer's array is "[" + part 1's elements + "," + part 2's elements ... + "\n]".
        var length = 1 + parts.Sum(p => p.Length - 3) + (parts.Length - 1) + 2;
        var joined = new byte[length];
        joined[0] = (byte)'[';
        var at = 1;
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0) joined[at++] = (byte)',';
            var elements = parts[i].AsSpan(1, parts[i].Length - 3);
            elements.CopyTo(joined.AsSpan(at));
            at += elements.Length;
        }
        joined[at++] = (byte)'\n';
        joined[at] = (byte)']';
        return joined;
    }

    private static byte[] WriteArray(IReadOnlyList<NatRule> rules, int from, int to)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(Math.Max(1024, (to - from) * 640));
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartArray();
            for (var i = from; i < to; i++) NatRuleJson.Write(writer, rules[i]);
            writer.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
