using System.Collections.Immutable;
using System.Text;
using NatGateway.Core.Rules;
using NatGateway.Nat;
using Xunit;

namespace NatGateway.Core.Tests.Rules;

/// <summary>
/// The rules document a revision stores and the array the agent is sent are the same bytes, written once per draft
/// snapshot, in the format revisions have always stored (so the same rules keep the same document hash).
/// </summary>
public sealed class RuleListUtf8Tests
{
    private static NatRule Forward(string name, int port) => NatRuleJson.Parse($$"""
        {"kind": "dnat", "name": "{{name}}", "inInterfaces": ["lan0"], "protocol": "udp", "destinationPort": "{{port}}", "targetAddress": "10.0.0.2"}
        """).Rule!;

    [Fact]
    public void A_snapshot_is_written_once_and_reads_back_as_the_same_rules()
    {
        var snapshot = ImmutableList.CreateRange(Enumerable.Range(0, 50).Select(i => Forward($"f{i}", 2000 + i) with { Position = i }));
        var first = RuleListUtf8.Of(snapshot);
        Assert.Same(first, RuleListUtf8.Of(snapshot));
        var mutable = snapshot.ToList();
        Assert.NotSame(RuleListUtf8.Of(mutable), RuleListUtf8.Of(mutable)); // a mutable list may change: written each time
        Assert.Equal(first, RuleListUtf8.Of(mutable));

        var parsed = NatGateway.Core.Revisions.RulesDocument.Parse(Encoding.UTF8.GetString(first));
        Assert.Equal(snapshot.Select(NatRuleJson.Serialize), parsed.Select(NatRuleJson.Serialize));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(2048)]
    [InlineData(2049)]
    [InlineData(10_001)]
    public void The_document_keeps_the_indented_format_revisions_were_stored_in(int count)
    {
        // What RulesDocument.Serialize wrote before the bytes were shared: Utf8JsonWriter, indented, one object per rule.
        // Long lists are written in chunks on every core and joined: byte for byte the same (the document's hash).
        var rules = Enumerable.Range(0, count).Select(i => Forward($"f{i}", 1 + i % 65_000) with { Position = i }).ToArray();
        using var stream = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(stream, new System.Text.Json.JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartArray();
            foreach (var rule in rules) NatRuleJson.Write(writer, rule);
            writer.WriteEndArray();
        }
        Assert.Equal(stream.ToArray(), RuleListUtf8.Write(rules));
    }
}
