using Xunit;
using System.Text;
using System.Text.Json;
using NatGateway.Agent.Protocol;

namespace NatGateway.Agent.Tests.Unit;

/// <summary>
/// <see cref="AgentJson.ReadRequest"/>: the request the agent handles, its rules array read in place from the one parse
/// of the payload, must be the request <see cref="AgentJson.Deserialize{T}"/> reads, field for field.
/// </summary>
public sealed class AgentRequestReadTests
{
    private static AgentRequest Read(string json, out JsonDocument document) => AgentJson.ReadRequest(Encoding.UTF8.GetBytes(json), out document);

    [Fact]
    public void The_rules_are_the_sent_array_in_place_and_every_other_field_is_read_as_before()
    {
        const string json = """{"op":"natPrepare","rules":[{"kind":"masquerade","name":"a"},{"kind":"dnat","name":"b"}],"mssClamp":["wan0"],"rulesHash":null}""";
        var request = Read(json, out var document);
        using (document)
        {
            var plain = AgentJson.Deserialize<AgentRequest>(Encoding.UTF8.GetBytes(json));
            Assert.Equal(AgentOperation.NatPrepare, request.Op);
            Assert.Equal(["wan0"], request.MssClamp!);
            Assert.Null(request.RulesHash);
            Assert.Equal(plain.Rules!.Value.GetRawText(), request.Rules!.Value.GetRawText());
            Assert.Equal(2, request.Rules.Value.GetArrayLength());
            Assert.Equal(AgentJson.Serialize(plain with { Rules = null }), AgentJson.Serialize(request with { Rules = null }));
        }
    }

    [Fact]
    public void The_rules_property_is_found_as_the_serializer_finds_it_case_insensitive_last_wins_and_null_is_none()
    {
        var repeated = Read("""{"op":"natCheck","RULES":[1],"rules":[2,3]}""", out var d1);
        using (d1) Assert.Equal("[2,3]", repeated.Rules!.Value.GetRawText());
        var none = Read("""{"op":"natCheck","rules":null}""", out var d2);
        d2.Dispose();
        Assert.Null(none.Rules);
        var absent = Read("""{"op":"natApply","rulesHash":"ab"}""", out var d3);
        d3.Dispose();
        Assert.Null(absent.Rules);
        Assert.Equal("ab", absent.RulesHash);
    }

    [Theory]
    [InlineData("""{"op":5}""")]
    [InlineData("""{"op":"runNft"}""")]
    [InlineData("null")]
    [InlineData("""{"op":"natCheck","rules":[1,]}""")]
    [InlineData("""{"op":"natCheck"/* a comment */}""")]
    public void A_malformed_request_is_refused_as_before(string json)
    {
        Assert.ThrowsAny<JsonException>(() => AgentJson.Deserialize<AgentRequest>(Encoding.UTF8.GetBytes(json)));
        Assert.ThrowsAny<JsonException>(() => Read(json, out _));
    }
}
