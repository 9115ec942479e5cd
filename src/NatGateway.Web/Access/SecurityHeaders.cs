namespace NatGateway.Web.Access;

/// <summary>
/// Headers on every response (pages, API, static files, errors): set when the response starts, so the exception
/// handler clearing the headers of a failed response cannot drop them.
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next)
{
    /// <summary>
    /// script-src 'self': blazor.web.js (Blazor Server needs no eval and no wasm) and MudBlazor.min.js are files; the app
    /// renders no inline script (App.razor has no ImportMap for that reason).
    /// style-src 'unsafe-inline': MudBlazor writes style attributes (popover positions, progress widths, colours) and
    /// blazor.web.js injects the reconnect dialog's style element; styles cannot run code.
    /// connect-src 'self': the hub's negotiate and WebSocket (same-origin ws/wss is covered by 'self' in Chromium and Firefox).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        + "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    /// <summary>
    /// The API reference page (/scalar, Scalar.AspNetCore) starts itself with an inline module script: that page alone
    /// allows the one script carrying the per-request nonce Scalar put in <c>HttpContext.Items</c> (see ApiDocs), and no other.
    /// </summary>
    public const string ApiReferencePath = "/scalar";

    private static string ApiReferencePolicy(string nonce) =>
        ContentSecurityPolicy.Replace("script-src 'self';", $"script-src 'self' 'nonce-{nonce}';", StringComparison.Ordinal);

    /// <summary>One year; sent only on HTTPS responses (a browser ignores it over HTTP anyway).</summary>
    public const string StrictTransportSecurity = "max-age=31536000";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy =
                http.Request.Path.StartsWithSegments(ApiReferencePath)
                && http.Items.TryGetValue(Scalar.AspNetCore.ScalarOptions.NonceHttpContextItemKey, out var n) && n is string { Length: > 0 } nonce
                    ? ApiReferencePolicy(nonce)
                    : ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            if (http.Request.IsHttps) headers.StrictTransportSecurity = StrictTransportSecurity;
            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
