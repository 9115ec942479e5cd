using System.Text;

namespace NatGateway.Kernel.Tests;

/// <summary>One malformed request of the corpus: what is sent and a description printed when it fails.</summary>
public sealed record CorpusInput(string Description, string Query, byte[]? Body, string? ContentType)
{
    public override string ToString() => Description;
}

/// <summary>
/// The fixed-seed corpus of malformed requests: the classes the issue found (lone surrogates, non-object JSON) plus
/// huge numbers, deep nesting, wrong types, control characters, empty bodies, huge strings, invalid UTF-8 and wrong
/// content types, then seeded mutations of a valid document until <see cref="PerEndpoint"/> inputs.
/// </summary>
public static class ApiCorpus
{
    public const int PerEndpoint = 300;
    public const int Seed = 9;

    /// <summary>JSON values that replace one property of a valid document.</summary>
    private static readonly string[] HostileValues =
    [
        "null", "true", "false", "0", "-1", "1.5", "-0", "1e308", "1e999", "-1e999", "99999999999999999999999999999",
        "-9223372036854775809", "2147483648", "4294967296", "\"\"", "\" \"", "\"\\ud800\"", "\"x\\udc00y\"", "\"\\u0000\"",
        "\"\\u001b[31m\"", "\"\\u007f\"", "\"a\\nb\"", $"\"{new string('a', 70_000)}\"", "[]", "{}", "[null]", "[\"\\ud800\"]",
        "[[[[[[[[]]]]]]]]", "{\"a\":{\"b\":{\"c\":{}}}}", "\"../../etc/passwd\"", "\"$(reboot)\"",
        "\"\\\";}; chain i{type filter hook input priority 0;policy drop;#\"", "\"0.0.0.0/0\"", "\"::\"", "\"-5\"", "\"1e3\"",
        "\"NaN\"", "\"Infinity\"", "\"eth*\"", "[\"*\"]", "\"10.0.0.1/33\"", "\"65536\"", "\"80-\"", "\"ü\"",
        Nest("[", "]", 40), Nest("{\"a\":", "}", 40),
    ];

    /// <summary>Query values for every query parameter.</summary>
    private static readonly string[] HostileQueryValues =
    [
        "", "abc", "-1", "0", "1.5", "1e9", "1e999", "99999999999999999999", "-9223372036854775809", "%00", "%ff", "%ED%A0%80",
        "%C0%AF", "%01", "%0a", "%", "%%", "%2", "+", "true", "NaN", "0x10", "%20%201", "%C3%BC", "&&&&", "=",
        Uri.EscapeDataString(new string('x', 3000)), Uri.EscapeDataString(string.Concat(Enumerable.Repeat("(", 2000))),
        Uri.EscapeDataString(string.Concat(Enumerable.Repeat("not ", 1000)) + "proto tcp"),
        Uri.EscapeDataString("dport 8080 and ("), Uri.EscapeDataString("src 10.0.0.0/33"), Uri.EscapeDataString("proto tcp\"\\'"),
        Uri.EscapeDataString("bytes:desc,src,dst,bytes:asc"), "desc:bytes", "1&page=2&page=3",
    ];

    public static IReadOnlyList<CorpusInput> Body(int endpointIndex, string validDocument, string validQuery = "")
    {
        var inputs = new List<CorpusInput>();
        void Add(string description, byte[]? body, string? contentType = "application/json", string query = "") =>
            inputs.Add(new CorpusInput(description, query.Length > 0 ? query : validQuery, body, contentType));
        void AddText(string description, string body, string? contentType = "application/json") => Add(description, Encoding.UTF8.GetBytes(body), contentType);

        // The classes, the same for every endpoint.
        Add("no body", null);
        AddText("empty body", "");
        AddText("whitespace body", " \r\n\t ");
        foreach (var root in new[] { "null", "[]", "1", "-0", "\"text\"", "true", "[{}]", "\"\\ud800\"", "1e999" })
            AddText($"non-object JSON {root}", root);
        foreach (var broken in new[] { "{", "}", "{\"a\":", "{\"a\" 1}", "{'a': 1}", "{a: 1}", "{\"a\":1,}", "/*x*/{}", "{\"a\":1}{}", "{\"a\":01}", "{\"a\":.5}", "{\"a\":NaN}", "{\"a\":\"unterminated}" })
            AddText($"broken JSON {broken}", broken);
        foreach (var surrogate in new[] { "{\"\\ud800\": 1}", "{\"x\": \"\\udc00\"}", "{\"x\": \"\\ud800\\ud800\"}", "{\"x\": [\"\\ud83d\"]}", "{\"x\": {\"\\udbff\": true}}" })
            AddText($"lone surrogate {surrogate}", surrogate);
        AddText("deep array 10000", Nest("[", "]", 10_000));
        AddText("deep object 5000", Nest("{\"a\":", "}", 5_000, "1"));
        AddText("object 33 deep", Nest("{\"a\":", "}", 33, "1"));
        AddText("object 31 deep", Nest("{\"a\":", "}", 31, "1"));
        AddText("raw control character in a string", "{\"x\": \"a\u0001b\"}");
        AddText("escaped NUL property name", "{\"\\u0000\": 1}");
        AddText("1 MB string", $"{{\"x\": \"{new string('a', 1_000_000)}\"}}");
        AddText("100 KB property name", $"{{\"{new string('k', 100_000)}\": 1}}");
        AddText("20,000 properties", "{" + string.Join(',', Enumerable.Range(0, 20_000).Select(i => $"\"p{i}\":{i}")) + "}");
        AddText("huge number 400 digits", $"{{\"x\": 1{new string('0', 400)}}}");
        Add("invalid UTF-8 FF FE", [0xff, 0xfe, (byte)'{', (byte)'}']);
        Add("overlong UTF-8 in a string", [.. "{\"x\": \""u8, 0xc0, 0xaf, .. "\"}"u8]);
        Add("UTF-8 encoded surrogate in a string", [.. "{\"x\": \""u8, 0xed, 0xa0, 0x80, .. "\"}"u8]);
        Add("truncated UTF-8 sequence", [.. "{\"x\": \""u8, 0xe2, 0x82, .. "\"}"u8]);
        Add("UTF-16 body", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(validDocument)).ToArray(), "application/json; charset=utf-16");
        Add("UTF-32 body", Encoding.UTF32.GetBytes(validDocument));
        Add("valid document with a BOM", Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(validDocument)).ToArray());
        foreach (var contentType in new[] { "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1" })
            AddText($"valid document as {contentType}", validDocument, contentType);
        Add("valid document without a content type", Encoding.UTF8.GetBytes(validDocument), null);
        AddText("form body", "a=1&b=2", "application/x-www-form-urlencoded");
        AddText("XML body", "<rule name=\"x\"/>", "application/xml");
        AddText("binary zeros", "\0\0\0\0");

        // Each property of the valid document replaced by each hostile value.
        var properties = TopLevelProperties(validDocument);
        foreach (var property in properties)
            foreach (var value in HostileValues)
                AddText($"{property} = {Shorten(value)}", Replace(validDocument, property, value));
        foreach (var property in properties)
        {
            AddText($"{property} duplicated", validDocument.TrimEnd().TrimEnd('}') + $", \"{property}\": \"\\ud800\"}}");
            AddText($"{property} removed", Replace(validDocument, property, null));
        }
        AddText("unknown property with a lone surrogate", validDocument.TrimEnd().TrimEnd('}') + ", \"\\ud800extra\": 1}");

        // Seeded byte-level mutations of the valid document until the corpus is full.
        var random = new Random(Seed * 1000 + endpointIndex);
        var original = Encoding.UTF8.GetBytes(validDocument);
        var n = 0;
        while (inputs.Count < PerEndpoint)
        {
            var bytes = original.ToList();
            var edits = random.Next(1, 4);
            var what = new List<string>();
            for (var e = 0; e < edits && bytes.Count > 0; e++)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(4))
                {
                    case 0: what.Add($"byte {at} = 0x{bytes[at] = (byte)random.Next(256):x2}"); break;
                    case 1: what.Add($"delete byte {at}"); bytes.RemoveAt(at); break;
                    case 2:
                        const string insertable = "\"\\{}[],:0-e.\u0001\u00ff";
                        var inserted = insertable[random.Next(insertable.Length)];
                        bytes.InsertRange(at, Encoding.UTF8.GetBytes(inserted.ToString()));
                        what.Add($"insert U+{(int)inserted:X4} at {at}");
                        break;
                    default: what.Add($"truncate at {at}"); bytes.RemoveRange(at, bytes.Count - at); break;
                }
            }
            Add($"mutation {n++} ({string.Join(", ", what)})", [.. bytes]);
        }
        return inputs;
    }

    public static IReadOnlyList<CorpusInput> Query(int endpointIndex, string[] parameters, string validQuery)
    {
        var inputs = new List<CorpusInput>();
        void Add(string description, string query) => inputs.Add(new CorpusInput(description, query, null, null));
        foreach (var parameter in parameters)
            foreach (var value in HostileQueryValues)
                Add($"{parameter}={Shorten(value)}", $"{validQuery}&{parameter}={value}".TrimStart('&'));
        Add("query over the request line limit", $"{parameters[0]}={new string('9', 20_000)}");
        Add("every parameter twice", string.Join('&', parameters.SelectMany(p => new[] { $"{p}=1", $"{p}=x" })));
        Add("unknown parameter", "unknownParameter=%ED%A0%80");
        var random = new Random(Seed * 1000 + endpointIndex);
        while (inputs.Count < PerEndpoint)
        {
            var picks = Enumerable.Range(0, random.Next(1, 4))
                .Select(_ => $"{parameters[random.Next(parameters.Length)]}={HostileQueryValues[random.Next(HostileQueryValues.Length)]}");
            var query = string.Join('&', picks);
            Add($"random {query.Length} chars: {Shorten(query)}", query);
        }
        return inputs;
    }

    private static string Nest(string open, string close, int depth, string inner = "") =>
        string.Concat(Enumerable.Repeat(open, depth)) + inner + string.Concat(Enumerable.Repeat(close, depth));

    private static string Shorten(string text) => text.Length <= 60 ? text : $"{text[..40]}... ({text.Length} chars)";

    private static List<string> TopLevelProperties(string document)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(document);
        return doc.RootElement.EnumerateObject().Select(p => p.Name).ToList();
    }

    /// <summary>The document with one top-level property's value replaced by raw JSON text (or removed).</summary>
    private static string Replace(string document, string property, string? rawValue)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(document)!.AsObject();
        var builder = new StringBuilder("{");
        var first = true;
        foreach (var (name, value) in node)
        {
            if (name == property && rawValue is null) continue;
            if (!first) builder.Append(',');
            first = false;
            builder.Append(System.Text.Json.JsonSerializer.Serialize(name)).Append(':')
                .Append(name == property ? rawValue : value?.ToJsonString() ?? "null");
        }
        return builder.Append('}').ToString();
    }
}
