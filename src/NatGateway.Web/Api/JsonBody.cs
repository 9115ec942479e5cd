using System.Text;
using System.Text.Json;

namespace NatGateway.Web.Api;

/// <summary>
/// Reads a request body for every endpoint that takes one, so malformed input is always a 400 naming the field and
/// never reaches a parser as something it can throw on: the bytes must be UTF-8, the text one JSON object, every
/// string and property name valid Unicode (no lone <c>\ud800</c> surrogate escapes) and free of control characters.
/// The parsers behind it (rules, settings, import, capacity) then do the field-by-field validation.
/// </summary>
public static class JsonBody
{
    /// <summary>Deeper than any document natgw accepts (the import's rules are 4 levels); the default is 64.</summary>
    public const int MaxDepth = 32;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The body as validated JSON text and its root object, or the field error to answer 400 with.</summary>
    public sealed record Read(string Text, JsonElement Root, Dictionary<string, string[]>? Errors)
    {
        public bool IsValid => Errors is null;

        /// <summary>The 400 ValidationProblem for <see cref="Errors"/>.</summary>
        public IResult? Problem => Errors is null ? null : Results.ValidationProblem(Errors, title: "The request body is not valid");

        /// <summary>True when the request had no body (allowed only with <c>optional: true</c>).</summary>
        public bool IsEmpty { get; init; }
    }

    /// <summary>Reads and validates the body; with <paramref name="optional"/> an empty body reads as <c>{}</c> (apply and rollback need no options).</summary>
    public static async Task<Read> ReadAsync(HttpContext http, CancellationToken ct, bool optional = false)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, ct);
        return Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), optional);
    }

    /// <summary>Validates one body (also used directly by tests).</summary>
    public static Read Parse(ReadOnlySpan<byte> bytes, bool optional = false)
    {
        if (bytes.StartsWith(Encoding.UTF8.Preamble)) bytes = bytes[Encoding.UTF8.Preamble.Length..];
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            return Invalid("body", $"the body is not UTF-8 text (invalid byte at offset {e.Index}); send JSON encoded as UTF-8");
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            if (!optional) return Invalid("body", "a JSON object is required and the body is empty");
            using var empty = JsonDocument.Parse("{}");
            return new Read("{}", empty.RootElement.Clone(), null) { IsEmpty = true };
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, character {e.BytePositionInLine + 1}" : "";
            return Invalid("body", $"the body is not valid JSON{where}: {FirstSentence(e.Message)}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return Invalid("body", $"the body must be a JSON object ({{...}}), not {Describe(doc.RootElement.ValueKind)}");
            var problem = FindBadText(doc.RootElement, "");
            return problem is { } p ? Invalid(p.Field, p.Message) : new Read(text, doc.RootElement.Clone(), null);
        }
    }

    /// <summary>The first string or property name that is not valid Unicode text, with its field path.</summary>
    private static (string Field, string Message)? FindBadText(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return (path.Length == 0 ? "body" : path, "a property name is not valid Unicode text (it holds a lone surrogate such as \\ud800)");
                    }
                    var field = path.Length == 0 ? name : $"{path}.{name}";
                    if (ControlCharacter(name) is { } c) return (field, $"the property name contains the control character U+{(int)c:X4}");
                    if (FindBadText(property.Value, field) is { } inner) return inner;
                }
                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindBadText(item, $"{path}[{i}]") is { } inner) return inner;
                    i++;
                }
                return null;
            case JsonValueKind.String:
                string value;
                try
                {
                    value = element.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    return (path, "is not valid Unicode text (it holds a lone surrogate such as \\ud800)");
                }
                return ControlCharacter(value, allowLineBreaks: true) is { } control
                    ? (path, $"contains the control character U+{(int)control:X4}; only printable text (and line breaks) is accepted")
                    : null;
            default:
                return null;
        }
    }

    /// <summary>C0 controls and DEL (NUL, escape sequences, ...): nothing natgw stores may hold them. Tab and line
    /// breaks are left to the field's own validation (a comment may span lines, a rule name may not).</summary>
    private static char? ControlCharacter(string text, bool allowLineBreaks = false)
    {
        foreach (var c in text)
            if ((c < ' ' && !(allowLineBreaks && c is '\t' or '\n' or '\r')) || c == '\u007f') return c;
        return null;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (end > 0 ? message[..end] : message).Trim();
    }

    private static Read Invalid(string field, string message) => new("", default, new Dictionary<string, string[]> { [field] = [message] });
}
