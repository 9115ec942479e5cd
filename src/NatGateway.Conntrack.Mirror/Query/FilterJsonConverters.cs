using System.Text.Json;
using System.Text.Json.Serialization;

namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>A filter travels in JSON as its canonical text (e.g. in a page returned by the API).</summary>
public sealed class FlowFilterJsonConverter : JsonConverter<FlowFilter>
{
    public override FlowFilter Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        try
        {
            return FlowFilter.Parse(reader.GetString());
        }
        catch (FilterParseException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, FlowFilter value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}

/// <summary>A sort order travels in JSON as its canonical text.</summary>
public sealed class SortSpecJsonConverter : JsonConverter<SortSpec>
{
    public override SortSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        try
        {
            return SortSpec.Parse(reader.GetString());
        }
        catch (FilterParseException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, SortSpec value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
