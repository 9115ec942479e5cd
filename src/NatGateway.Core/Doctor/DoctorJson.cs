using System.Text.Json;
using System.Text.Json.Serialization;

namespace NatGateway.Core.Doctor;

/// <summary>The JSON shape of a <see cref="DoctorReport"/> (<c>natgw doctor --output json</c>): camelCase, enums as
/// camelCase strings, check ids as their stable text ("table-full").</summary>
public static class DoctorJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true };
        options.Converters.Add(new CheckIdConverter());
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private sealed class CheckIdConverter : JsonConverter<CheckId>
    {
        public override CheckId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            CheckIds.TryParse(reader.GetString(), out var id) ? id : throw new JsonException($"unknown check id '{reader.GetString()}'");

        public override void Write(Utf8JsonWriter writer, CheckId value, JsonSerializerOptions options) =>
            writer.WriteStringValue(CheckIds.Text(value));
    }
}
