using System.Text;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace NatGateway.Web.Api;

/// <summary>
/// Reads a request body for every endpoint that takes one, so malformed input is always a 400 naming the field and
/// never reaches a parser as something it can throw on: the bytes must be UTF-8, the text one JSON object, every
/// string and property name valid Unicode (no lone <c>\ud800</c> surrogate escapes) and free of control characters.
/// The parsers behind it (rules, settings, import, capacity) then do the field-by-field validation.
/// Before that, a body must be declared <c>Content-Type: application/json</c> (415 otherwise: a cross-site page can send
/// text/plain or a form without a preflight, never JSON) and fit the endpoint's <see cref="BodyLimits"/> (413, decided
/// from Content-Length before anything is read, and by counting for a chunked body, which is never buffered past the limit).
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

        /// <summary>The 400 (or 413/415) ValidationProblem for <see cref="Errors"/>.</summary>
        public IResult? Problem => Errors is null ? null : Results.ValidationProblem(Errors, title: Title, statusCode: StatusCode);

        /// <summary>400 for malformed input, 413 over the size limit, 415 for a body that is not declared JSON.</summary>
        public int StatusCode { get; init; } = StatusCodes.Status400BadRequest;

        private string Title => StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => "The request body is too large",
            StatusCodes.Status415UnsupportedMediaType => "The request body must be JSON",
            _ => "The request body is not valid",
        };

        /// <summary>True when the request had no body (allowed only with <c>optional: true</c>).</summary>
        public bool IsEmpty { get; init; }
    }

    /// <summary>
    /// Reads and validates the body; with <paramref name="optional"/> an empty body reads as <c>{}</c> (apply and rollback
    /// need no options). A body that is present must be JSON whether or not it is optional.
    /// </summary>
    public static async Task<Read> ReadAsync(HttpContext http, CancellationToken ct, bool optional = false)
    {
        var (bytes, refused) = await ReadBytesAsync(http, ct);
        return refused ?? Parse(bytes.Span, optional);
    }

    /// <summary>
    /// The body parsed once from its bytes, with the same checks as <see cref="ReadAsync"/> but no string copy and no
    /// clone of the document: for the megabyte bodies (import, batch), which their parsers read straight from the
    /// returned document. The caller disposes it.
    /// </summary>
    public static async Task<(JsonDocument? Document, Read? Refused)> ReadDocumentAsync(HttpContext http, CancellationToken ct)
    {
        var (bytes, refused) = await ReadBytesAsync(http, ct);
        return refused is not null ? (null, refused) : ParseDocument(bytes);
    }

    /// <summary>Validates one body into a document the caller owns (also used directly by tests and the CLI).</summary>
    public static (JsonDocument? Document, Read? Refused) ParseDocument(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.Span.StartsWith(Encoding.UTF8.Preamble)) bytes = bytes[Encoding.UTF8.Preamble.Length..];
        // Anything but well-formed UTF-8 JSON text: the string path has the messages (and is only taken on errors).
        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span) || bytes.Span.TrimStart(" \t\r\n"u8).IsEmpty) return (null, Parse(bytes.Span));
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException)
        {
            return (null, Parse(bytes.Span));
        }
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = doc.RootElement.ValueKind;
            doc.Dispose();
            return (null, Invalid("body", $"the body must be a JSON object ({{...}}), not {Describe(kind)}"));
        }
        if (MayHaveBadText(doc.RootElement) && FindBadText(doc.RootElement, "") is { } p)
        {
            doc.Dispose();
            return (null, Invalid(p.Field, p.Message));
        }
        return (doc, null);
    }

    /// <summary>The body's bytes (at most the endpoint's limit), or why it is refused (415, 413).</summary>
    private static async Task<(ReadOnlyMemory<byte> Bytes, Read? Refused)> ReadBytesAsync(HttpContext http, CancellationToken ct)
    {
        var request = http.Request;
        if (!HasBody(http)) return (ReadOnlyMemory<byte>.Empty, null);
        if (ContentTypeError(request.ContentType) is { } wrongType) return (default, UnsupportedType(wrongType));

        var limit = BodyLimits.For(http);
        if (request.ContentLength > limit)
        {
            // Refused from the header alone; close the connection rather than read (drain) the rest of the body.
            http.Response.Headers.Connection = "close";
            return (default, TooLarge(limit, request.ContentLength));
        }
        // Never more than limit + 1 bytes: the body is read into an array that grows only up to that.
        var cap = (int)Math.Min(int.MaxValue, limit + 1);
        var buffer = new byte[(int)Math.Min(request.ContentLength + 1 ?? 16 * 1024, cap)];
        var length = 0;
        while (length <= limit)
        {
            if (length == buffer.Length) Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, cap));
            int read;
            try
            {
                read = await request.Body.ReadAsync(buffer.AsMemory(length), ct);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                // Kestrel's own limit (the same one) tripped first.
                length = cap;
                break;
            }
            if (read == 0) break;
            length += read;
        }
        if (length > limit)
        {
            http.Response.Headers.Connection = "close";
            return (default, TooLarge(limit, request.ContentLength));
        }
        return (buffer.AsMemory(0, length), null);
    }

    /// <summary>
    /// Endpoint filter for routes that take no body (confirm, discard, purge, delete): one sent anyway is not read, but it
    /// must still be declared JSON, so a cross-site form or text/plain POST is refused (415) like everywhere else.
    /// </summary>
    public static ValueTask<object?> NoBodyUnlessJson(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (HasBody(http) && ContentTypeError(http.Request.ContentType) is { } wrongType)
            return ValueTask.FromResult<object?>(UnsupportedType(wrongType).Problem);
        return next(context);
    }

    /// <summary>A Content-Length above 0, or a chunked body (no length, but the request can have one).</summary>
    private static bool HasBody(HttpContext http) =>
        http.Request.ContentLength is > 0
        || (http.Request.ContentLength is null && http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true);

    private static Read UnsupportedType(string message) =>
        Invalid("Content-Type", message) with { StatusCode = StatusCodes.Status415UnsupportedMediaType };

    /// <summary>Null for <c>application/json</c> (a charset, if given, must be UTF-8), else why the type is refused.</summary>
    public static string? ContentTypeError(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
            return "the request has a body but no Content-Type; send JSON with Content-Type: application/json";
        if (!MediaTypeHeaderValue.TryParse(contentType, out var type) || !type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            return $"the body is declared as {Printable(contentType)}; send JSON with Content-Type: application/json";
        var charset = type.Charset.Value?.Trim('"');
        if (charset is not null && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
            return $"the charset {Printable(charset)} is not accepted; send JSON encoded as UTF-8 (Content-Type: application/json; charset=utf-8)";
        return null;
    }

    /// <summary>A header value as it may be quoted back: printable ASCII, at most 100 characters.</summary>
    private static string Printable(string value)
    {
        var clean = new string(value.Select(c => c is >= ' ' and <= '~' ? c : '?').Take(100).ToArray());
        return $"'{clean}'";
    }

    private static Read TooLarge(long limit, long? declared) =>
        Invalid("body", declared is { } length
            ? $"the body is {length} bytes; this endpoint accepts at most {BodyLimits.Describe(limit)}"
            : $"the body is larger than this endpoint accepts (at most {BodyLimits.Describe(limit)})") with { StatusCode = StatusCodes.Status413PayloadTooLarge };

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
            var problem = MayHaveBadText(doc.RootElement) ? FindBadText(doc.RootElement, "") : null;
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

    /// <summary>
    /// Whether any name or string holds an escape sequence or DEL, looked up in the raw UTF-8 without making strings or
    /// paths: without one, nothing can be a lone surrogate or a control character (the bytes are valid UTF-8, and JSON
    /// has no raw control characters), so <see cref="FindBadText"/>'s walk is needed only when this is true. A 10,000-rule
    /// import has ~100,000 names and strings.
    /// </summary>
    private static bool MayHaveBadText(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                    if (!IsPlain(JsonMarshal.GetRawUtf8PropertyName(property)) || MayHaveBadText(property.Value)) return true;
                return false;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    if (MayHaveBadText(item)) return true;
                return false;
            case JsonValueKind.String:
                return !IsPlain(JsonMarshal.GetRawUtf8Value(element));
            default:
                return false;
        }
    }

    private static bool IsPlain(ReadOnlySpan<byte> raw) => raw.IndexOfAny((byte)'\\', (byte)0x7f) < 0;

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
