using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NatGateway.Benchmarks.Nat;
using NatGateway.Nat;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.AppScale;

/// <summary>
/// The benchmark's rule lists: N plain UDP port forwards (<see cref="PortForwards"/>: <c>iifname "lan0" udp dport P
/// dnat to 10.77.2.2:P</c>) followed by one masquerade on wan0, and the JSON the API takes for them.
/// </summary>
internal static class ScaleRules
{
    public static readonly Guid MasqueradeId = new(0x6d61_7371, 0xbe, 0x4c, 1, 0, 0, 0, 0, 0, 0, 0);

    /// <summary><paramref name="forwards"/> forwards then the masquerade (positions in order).</summary>
    public static IReadOnlyList<NatRule> Create(int forwards)
    {
        var rules = new List<NatRule>(PortForwards.Create(forwards));
        rules.Add(Masquerade(forwards));
        return rules;
    }

    public static MasqueradeRule Masquerade(int position) => new()
    {
        Id = MasqueradeId,
        Name = "internet",
        MarkId = 60_000,
        Position = position,
        OutInterfaces = [NamespaceLab.GatewayWanInterface],
    };

    /// <summary>The rules as one JSON array (the export document's "rules").</summary>
    public static string ArrayJson(IReadOnlyList<NatRule> rules)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var rule in rules) NatRuleJson.Write(writer, rule);
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The body of <c>POST /api/v1/rules</c> for one new forward (no id: the app assigns it).</summary>
    public static string NewForwardJson(string name, int port) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"kind":"dnat","name":"{{name}}","enabled":true,"inInterfaces":["{{NamespaceLab.GatewayLanInterface}}"],"protocol":"udp","destinationPort":"{{port}}","targetAddress":"{{NamespaceLab.ServerAddress}}"}""");
}
