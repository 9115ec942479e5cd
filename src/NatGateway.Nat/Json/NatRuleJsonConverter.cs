using System.Text.Json;
using System.Text.Json.Serialization;

namespace NatGateway.Nat;

/// <summary>System.Text.Json converter for the polymorphic REST shape; throws <see cref="NatRuleJsonException"/> listing every bad field.</summary>
public sealed class NatRuleJsonConverter : JsonConverter<NatRule>
{
    public override bool CanConvert(Type typeToConvert) => typeof(NatRule).IsAssignableFrom(typeToConvert);

    public override NatRule Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var result = NatRuleJson.Parse(document.RootElement);
        if (!result.Success) throw new NatRuleJsonException(result.Errors);
        if (!typeToConvert.IsInstanceOfType(result.Rule))
            throw new NatRuleJsonException([new ValidationIssue("kind", $"expected a {typeToConvert.Name}, got a {result.Rule!.GetType().Name}")]);
        return result.Rule!;
    }

    public override void Write(Utf8JsonWriter writer, NatRule value, JsonSerializerOptions options) => NatRuleJson.Write(writer, value);
}
