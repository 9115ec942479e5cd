using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NatGateway.Agent.Protocol;

/// <summary>
/// The one JSON shape of agent messages: camelCase, enums by name only (a number or an unknown name is a
/// JsonException, so a bad enum never reaches a handler), IP addresses as text, depth and comments limited.
/// </summary>
public static class AgentJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            MaxDepth = 32,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            ReadCommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
            NumberHandling = JsonNumberHandling.Strict,
            // Read by natgw only, never put in a page: a quote is \" rather than \u0022, so a 10,000-rule batch and its
            // listing text (strings of megabytes, quotes throughout) are written and read in about half the bytes.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.Converters.Add(new IPAddressConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>Parses a payload; null JSON is a <see cref="JsonException"/> like any other bad shape.</summary>
    public static T Deserialize<T>(ReadOnlySpan<byte> payload) where T : class =>
        JsonSerializer.Deserialize<T>(payload, Options) ?? throw new JsonException("null message");

    /// <summary>
    /// A request whose <see cref="AgentRequest.Rules"/> points into <paramref name="document"/>, the payload parsed once:
    /// read as a plain property, the array of a 10,000-rule list (6 MB) was tokenized, copied and parsed again into a
    /// document of its own, 30 ms of the agent's prepare (issue 12). The caller disposes the document once the request is
    /// handled; the payload's bytes must stay as they are until then.
    /// </summary>
    public static AgentRequest ReadRequest(ReadOnlyMemory<byte> payload, out JsonDocument document)
    {
        document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = Options.MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            var root = document.RootElement;
            var request = root.Deserialize<AgentRequest>(WithoutRules) ?? throw new JsonException("null message");
            if (root.ValueKind != JsonValueKind.Object) return request;
            JsonElement? rules = null;
            // The property as Options reads it: case-insensitive (JsonSerializerDefaults.Web), the last one when repeated.
            foreach (var property in root.EnumerateObject())
                if (property.Name.Equals("rules", StringComparison.OrdinalIgnoreCase))
                    rules = property.Value.ValueKind == JsonValueKind.Null ? null : property.Value;
            return request with { Rules = rules };
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    // Options without AgentRequest.Rules: the serializer skips the array (UnmappedMemberHandling.Skip) instead of copying it.
    private static readonly JsonSerializerOptions WithoutRules = CreateWithoutRules();

    private static JsonSerializerOptions CreateWithoutRules()
    {
        var options = new JsonSerializerOptions(Options)
        {
            TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver
            {
                Modifiers =
                {
                    static info =>
                    {
                        if (info.Type != typeof(AgentRequest)) return;
                        var rules = info.Properties.Single(p => p.Name == "rules");
                        info.Properties.Remove(rules);
                    },
                },
            },
        };
        options.MakeReadOnly();
        return options;
    }

    private sealed class IPAddressConverter : JsonConverter<IPAddress>
    {
        public override IPAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            IPAddress.TryParse(reader.GetString(), out var a) ? a : throw new JsonException("not an IP address");

        public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString());
    }
}
