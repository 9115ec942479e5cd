using System.Net;
using System.Text;
using System.Text.Json;
using NatGateway.Agent.Protocol;
using NatGateway.Agent.Server;
using NatGateway.Nat;
using Xunit;

namespace NatGateway.Agent.Tests.Unit;

/// <summary>
/// The agent's rule-list check: RuleListValidator finds exactly the first error NatRuleValidator.ValidateAll finds, and
/// the validated-list cache never lets a list skip validation (only lists that passed are remembered, by their bytes).
/// </summary>
public sealed class RuleListValidationTests
{
    private static readonly AddressPool Target = AddressPool.Single(IPAddress.Parse("10.77.2.2"));

    private static DnatRule Forward(int i, int from, int to, string name = "", bool enabled = true, string iface = "lan0",
        NatProtocol protocol = NatProtocol.Udp, IPAddress? destination = null) => new()
    {
        Id = Guid.NewGuid(), Name = name.Length > 0 ? name : $"r{i}", MarkId = i + 1, Position = i, Enabled = enabled,
        InInterfaces = [iface], Protocol = protocol, DestinationAddress = destination,
        DestinationPort = new PortRange(from, to), TargetAddress = Target,
    };

    private static (int, ValidationIssue)? ValidateAllFirstError(IReadOnlyList<NatRule> rules)
    {
        var all = NatRuleValidator.ValidateAll(rules);
        for (var i = 0; i < rules.Count; i++)
            if (all[rules[i].Id].Errors.FirstOrDefault() is { } e) return (i, e);
        return null;
    }

    [Fact]
    public void Same_first_error_as_ValidateAll_on_random_lists()
    {
        var random = new Random(11);
        var errors = 0;
        for (var t = 0; t < 500; t++)
        {
            var rules = new List<NatRule>();
            var count = random.Next(1, 30);
            for (var i = 0; i < count; i++)
            {
                var from = 100 + random.Next(6);
                var to = random.Next(3) == 0 ? from + random.Next(3) : from;
                rules.Add(Forward(i, from, to,
                    name: random.Next(4) == 0 ? $" Web{random.Next(3)} " : random.Next(6) == 0 ? $"WEB{random.Next(3)}" : "",
                    enabled: random.Next(5) != 0, iface: random.Next(2) == 0 ? "lan0" : "lan1",
                    protocol: (NatProtocol)random.Next(3),
                    destination: random.Next(3) == 0 ? IPAddress.Parse("10.0.0.1") : null));
            }
            var expected = ValidateAllFirstError(rules);
            Assert.Equal(expected, RuleListValidator.FirstError(rules));
            if (expected is not null) errors++;
        }
        Assert.InRange(errors, 50, 450); // both outcomes were exercised
    }

    [Fact]
    public void Ten_thousand_distinct_forwards_are_valid()
    {
        var rules = Enumerable.Range(0, 10_000).Select(i => (NatRule)Forward(i, 10_000 + i, 10_000 + i)).ToList();
        Assert.Null(RuleListValidator.FirstError(rules));
        rules.Add(Forward(10_000, 10_000, 10_000));
        Assert.Equal(10_000, RuleListValidator.FirstError(rules)?.Index);
    }

    private static JsonElement Json(IEnumerable<NatRule> rules)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var rule in rules) NatRuleJson.Write(writer, rule);
            writer.WriteEndArray();
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    [Fact]
    public void A_valid_list_is_parsed_once_and_an_invalid_one_is_refused_every_time()
    {
        var valid = new NatRule[] { Forward(0, 200, 200), Forward(1, 201, 201) };
        var json = Json(valid);
        var first = RequestValidation.Rules(json);
        Assert.Same(first, RequestValidation.Rules(Json(valid))); // same bytes: the remembered list
        Assert.Equal(valid.Select(r => r.Id), first.Select(r => r.Id));

        // A duplicate: refused, and again when sent again (failed lists are never remembered).
        var invalid = Json([valid[0], valid[1], Forward(2, 200, 200)]);
        for (var round = 0; round < 2; round++)
        {
            var e = Assert.Throws<AgentRequestException>(() => RequestValidation.Rules(invalid));
            Assert.Equal("rules[2].destinationPort", e.Field);
        }

        // One byte different from the remembered list is a different list: parsed and checked on its own.
        var text = json.GetRawText().Replace("\"r1\"", "\"r0\"", StringComparison.Ordinal);
        using var changed = JsonDocument.Parse(Encoding.UTF8.GetBytes(text));
        var clash = Assert.Throws<AgentRequestException>(() => RequestValidation.Rules(changed.RootElement.Clone()));
        Assert.Equal("rules[1].name", clash.Field);
    }
}
