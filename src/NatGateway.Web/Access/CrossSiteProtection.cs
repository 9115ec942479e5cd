using Microsoft.AspNetCore.Antiforgery;

namespace NatGateway.Web.Access;

/// <summary>
/// The sign-in cookie is sent by the browser whoever wrote the page, so a request it authenticates may only change
/// something when it comes from natgw's own pages: an unsafe method (POST/PUT/PATCH/DELETE) needs a same-origin
/// <c>Origin</c> (or, without one, <c>Sec-Fetch-Site: same-origin</c>) or a valid antiforgery token
/// (header <c>RequestVerificationToken</c>, or the form field of a form post). <c>Authorization: Bearer</c> carries no ambient credential and needs none of that.
/// The Blazor hub (<c>/_blazor</c>, its negotiate POST and WebSocket GET) refuses a foreign Origin whoever asks.
/// Runs after authentication; a refusal is 403 ProblemDetails and nothing else runs.
/// </summary>
public sealed class CrossSiteProtection(RequestDelegate next, IAntiforgery antiforgery, ILogger<CrossSiteProtection> log)
{
    public const string HubPath = "/_blazor";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var reason = await RefusalAsync(context, request);
        if (reason is null)
        {
            await next(context);
            return;
        }
        log.LogWarning("Refused a cross-site {Method} {Path} from {Address} (Origin {Origin}): {Reason}",
            request.Method, request.Path, context.Connection.RemoteIpAddress, request.Headers.Origin.ToString(), reason);
        await Results.Problem(title: "Cross-site request refused", detail: reason, statusCode: StatusCodes.Status403Forbidden)
            .ExecuteAsync(context);
    }

    private async Task<string?> RefusalAsync(HttpContext context, HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        // WebSocket upgrades are GETs, and browsers send Origin with every one: a page elsewhere must not get a circuit.
        if (request.Path.StartsWithSegments(HubPath) && origin.Length > 0 && !IsSameOrigin(request, origin))
            return $"The Blazor hub accepts only pages from {OwnOrigin(request)}, not {origin}.";

        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || HttpMethods.IsTrace(request.Method))
            return null;
        if (ApiTokenAuthenticationHandler.TryReadBearer(request, out _)) return null;
        // Anonymous requests carry no credential to abuse; authorization answers them (401), and the sign-in form has its own
        // antiforgery token (Blazor's EditForm).
        if (context.User.Identity?.IsAuthenticated != true) return null;

        if (origin.Length > 0)
        {
            if (IsSameOrigin(request, origin)) return null;
        }
        else if (string.Equals(request.Headers["Sec-Fetch-Site"].ToString(), "same-origin", StringComparison.OrdinalIgnoreCase))
            return null;

        if (await HasValidAntiforgeryTokenAsync(context)) return null;
        return origin.Length > 0
            ? $"A signed-in {request.Method} must come from {OwnOrigin(request)} (Origin was {origin}) or carry an antiforgery token; API clients use an API token (Authorization: Bearer)."
            : $"A signed-in {request.Method} without an Origin header needs an antiforgery token; API clients use an API token (Authorization: Bearer).";
    }

    private async Task<bool> HasValidAntiforgeryTokenAsync(HttpContext context)
    {
        // The header, or the form field of a form post (Blazor's EditForm renders one; the form is read once and kept for
        // the endpoint). Other bodies are not read here.
        if (!context.Request.Headers.ContainsKey(HeaderName) && !context.Request.HasFormContentType) return false;
        try
        {
            return await antiforgery.IsRequestValidAsync(context);
        }
        catch (AntiforgeryValidationException)
        {
            return false;
        }
    }

    /// <summary>The header the antiforgery token travels in (ASP.NET Core's default name).</summary>
    public const string HeaderName = "RequestVerificationToken";

    /// <summary>Scheme, host and port of <paramref name="origin"/> equal the request's own.</summary>
    public static bool IsSameOrigin(HttpRequest request, string origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
            return false; // includes "null" (sandboxed frames, file:, cross-origin redirects)
        if (!string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var host = request.Host;
        if (!host.HasValue) return false;
        var port = host.Port ?? (request.IsHttps ? 443 : 80);
        return string.Equals(uri.Host.Trim('[', ']'), host.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase) && uri.Port == port;
    }

    private static string OwnOrigin(HttpRequest request) => $"{request.Scheme}://{request.Host}";
}
