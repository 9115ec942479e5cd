using System.Text.Json;
using System.Text.Json.Serialization;
using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Planning;

namespace NatGateway.Capacity.Output;

/// <summary>JSON form of a <see cref="CapacityPlan"/> for <c>natgw plan --output json</c> and the API: camelCase, port ranges as "first-last".</summary>
public static class CapacityPlanJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    public static string Serialize(CapacityPlan plan) => JsonSerializer.Serialize(plan, Options);

    public static CapacityPlan? Deserialize(string json) => JsonSerializer.Deserialize<CapacityPlan>(json, Options);

    /// <summary>Reads a POST /api/v1/capacity/plan body, e.g. {"expectedEntries":500000,"extensions":"nat, acct","snatPortRange":"1024-65535"}.</summary>
    public static CapacityPlanRequest? DeserializeRequest(string json) => JsonSerializer.Deserialize<CapacityPlanRequest>(json, Options);

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true };
        options.Converters.Add(new PortRangeJsonConverter());
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>Writes a <see cref="PortRange"/> as "1024-65535".</summary>
public sealed class PortRangeJsonConverter : JsonConverter<PortRange>
{
    public override PortRange Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        PortRange.Parse(reader.GetString() ?? throw new JsonException("port range expected"));

    public override void Write(Utf8JsonWriter writer, PortRange value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
