using System.Text.Json;
using System.Text.Json.Serialization;

namespace NatGateway.Nftables.Schema;

/// <summary>Writes expressions in libnftables' wrapper-object form. Write-only: read-back uses JsonDocument.</summary>
public sealed class NftExpressionConverter : JsonConverter<NftExpression>
{
    public override NftExpression Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("nft expressions are written, not read, through this converter");

    public override void Write(Utf8JsonWriter w, NftExpression value, JsonSerializerOptions options)
    {
        switch (value)
        {
            case NftString s: w.WriteStringValue(s.Value); break;
            case NftNumber n: w.WriteNumberValue(n.Value); break;
            case NftPayload p:
                w.WriteStartObject(); w.WriteStartObject("payload");
                w.WriteString("protocol", p.Protocol); w.WriteString("field", p.Field);
                w.WriteEndObject(); w.WriteEndObject();
                break;
            case NftMeta m:
                w.WriteStartObject(); w.WriteStartObject("meta"); w.WriteString("key", m.Key); w.WriteEndObject(); w.WriteEndObject();
                break;
            case NftCt c:
                w.WriteStartObject(); w.WriteStartObject("ct"); w.WriteString("key", c.Key); w.WriteEndObject(); w.WriteEndObject();
                break;
            case NftTcpOption t:
                w.WriteStartObject(); w.WriteStartObject("tcp option");
                w.WriteString("name", t.Name); w.WriteString("field", t.Field);
                w.WriteEndObject(); w.WriteEndObject();
                break;
            case NftRt r:
                w.WriteStartObject(); w.WriteStartObject("rt"); w.WriteString("key", r.Key); w.WriteEndObject(); w.WriteEndObject();
                break;
            case NftFib f:
                w.WriteStartObject(); w.WriteStartObject("fib");
                w.WriteString("result", f.Result);
                w.WriteStartArray("flags"); foreach (var flag in f.Flags) w.WriteStringValue(flag); w.WriteEndArray();
                w.WriteEndObject(); w.WriteEndObject();
                break;
            case NftPrefix p:
                w.WriteStartObject(); w.WriteStartObject("prefix");
                w.WriteString("addr", p.Address); w.WriteNumber("len", p.Length);
                w.WriteEndObject(); w.WriteEndObject();
                break;
            case NftRange r:
                w.WriteStartObject(); w.WriteStartArray("range");
                Write(w, r.From, options); Write(w, r.To, options);
                w.WriteEndArray(); w.WriteEndObject();
                break;
            case NftSet s:
                w.WriteStartObject(); w.WriteStartArray("set");
                foreach (var item in s.Items) Write(w, item, options);
                w.WriteEndArray(); w.WriteEndObject();
                break;
            case NftMapping m:
                w.WriteStartArray(); Write(w, m.Key, options); Write(w, m.Value, options); w.WriteEndArray();
                break;
            case NftMapLookup m:
                w.WriteStartObject(); w.WriteStartObject("map");
                w.WritePropertyName("key"); Write(w, m.Key, options);
                w.WritePropertyName("data"); Write(w, m.Data, options);
                w.WriteEndObject(); w.WriteEndObject();
                break;
            case NftElement e:
                w.WriteStartObject(); w.WriteStartObject("elem");
                w.WritePropertyName("val"); Write(w, e.Value, options);
                if (e.Comment is not null) w.WriteString("comment", e.Comment);
                w.WriteEndObject(); w.WriteEndObject();
                break;
            case NftJumpVerdict j:
                w.WriteStartObject(); w.WriteStartObject("jump"); w.WriteString("target", j.Target); w.WriteEndObject(); w.WriteEndObject();
                break;
            case NftNumgen g:
                w.WriteStartObject(); w.WriteStartObject("numgen");
                w.WriteString("mode", "inc"); w.WriteNumber("mod", g.Modulus); w.WriteNumber("offset", 0);
                w.WriteEndObject(); w.WriteEndObject();
                break;
            case NftJhash h:
                w.WriteStartObject(); w.WriteStartObject("jhash");
                w.WriteNumber("mod", h.Modulus); w.WriteNumber("seed", h.Seed);
                w.WritePropertyName("expr"); Write(w, h.Input, options);
                w.WriteEndObject(); w.WriteEndObject();
                break;
            case NftBinary b:
                w.WriteStartObject(); w.WriteStartArray(b.Operator == NftBinaryOperator.And ? "&" : "|");
                Write(w, b.Left, options); Write(w, b.Right, options);
                w.WriteEndArray(); w.WriteEndObject();
                break;
            default: throw new NotSupportedException($"no JSON shape for {value.GetType().Name}");
        }
    }
}

/// <summary>Writes statements in libnftables' wrapper-object form.</summary>
public sealed class NftStatementConverter : JsonConverter<NftStatement>
{
    public override NftStatement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("nft statements are written, not read, through this converter");

    public override void Write(Utf8JsonWriter w, NftStatement value, JsonSerializerOptions options)
    {
        var expression = new NftExpressionConverter();
        w.WriteStartObject();
        switch (value)
        {
            case NftMatch m:
                w.WriteStartObject("match");
                w.WriteString("op", m.Operator);
                w.WritePropertyName("left"); expression.Write(w, m.Left, options);
                w.WritePropertyName("right"); expression.Write(w, m.Right, options);
                w.WriteEndObject();
                break;
            case NftCounter:
                w.WriteNull("counter");
                break;
            case NftMangle m:
                w.WriteStartObject("mangle");
                w.WritePropertyName("key"); expression.Write(w, m.Key, options);
                w.WritePropertyName("value"); expression.Write(w, m.Value, options);
                w.WriteEndObject();
                break;
            case NftJump j:
                w.WriteStartObject("jump"); w.WriteString("target", j.Target); w.WriteEndObject();
                break;
            case NftAccept:
                w.WriteNull("accept");
                break;
            case NftVerdictMapStatement v:
                w.WriteStartObject("vmap");
                w.WritePropertyName("key"); expression.Write(w, v.Key, options);
                w.WritePropertyName("data"); expression.Write(w, v.Data, options);
                w.WriteEndObject();
                break;
            case NftCtTimeoutSet t:
                w.WriteString("ct timeout", t.ObjectName);
                break;
            case NftNat n:
                var key = n.Kind switch { NftNatKind.Snat => "snat", NftNatKind.Dnat => "dnat", NftNatKind.Redirect => "redirect", _ => "masquerade" };
                if (n.Address is null && n.Port is null && n.Flags.Count == 0 && n.PrefixFamily is null) { w.WriteNull(key); break; }
                w.WriteStartObject(key);
                if (n.PrefixFamily is not null) w.WriteString("family", n.PrefixFamily);
                if (n.Address is not null) { w.WritePropertyName("addr"); expression.Write(w, n.Address, options); }
                if (n.Port is not null) { w.WritePropertyName("port"); expression.Write(w, n.Port, options); }
                if (n.Flags.Count > 0) { w.WriteStartArray("flags"); foreach (var f in n.Flags) w.WriteStringValue(f); w.WriteEndArray(); }
                if (n.PrefixFamily is not null) { w.WriteStartArray("type_flags"); w.WriteStringValue("prefix"); w.WriteEndArray(); }
                w.WriteEndObject();
                break;
            default: throw new NotSupportedException($"no JSON shape for {value.GetType().Name}");
        }
        w.WriteEndObject();
    }
}

/// <summary>Writes a ruleset object under its kind key ("table", "chain", "set"/"map", "rule").</summary>
public sealed class NftObjectConverter : JsonConverter<NftObject>
{
    public override NftObject Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException();

    public override void Write(Utf8JsonWriter w, NftObject value, JsonSerializerOptions options)
    {
        var key = value switch
        {
            NftTable => "table",
            NftChain => "chain",
            NftNamedSet s => s.IsMap ? "map" : "set",
            NftRule => "rule",
            NftCtTimeout => "ct timeout",
            _ => throw new NotSupportedException(value.GetType().Name),
        };
        w.WriteStartObject();
        w.WritePropertyName(key);
        // The concrete type has no converter of its own, so this writes its properties.
        JsonSerializer.Serialize(w, value, value.GetType(), options);
        w.WriteEndObject();
    }
}

/// <summary>Writes <c>{"verb":{"kind":{...}}}</c>.</summary>
public sealed class NftCommandConverter : JsonConverter<NftCommand>
{
    public override NftCommand Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException();

    public override void Write(Utf8JsonWriter w, NftCommand value, JsonSerializerOptions options)
    {
        w.WriteStartObject();
        w.WritePropertyName(value.Verb switch { NftVerb.Add => "add", NftVerb.Delete => "delete", NftVerb.List => "list", _ => "flush" });
        new NftObjectConverter().Write(w, value.Object, options);
        w.WriteEndObject();
    }
}
