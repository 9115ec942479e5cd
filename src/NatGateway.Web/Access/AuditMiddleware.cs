using NatGateway.Core.Access;
using NatGateway.Data.Entities;

namespace NatGateway.Web.Access;

/// <summary>
/// Records, after the response is decided: every state-changing API request (POST/PUT/PATCH/DELETE under /api) with its
/// outcome, and every denial anywhere (401/403, and a page visit sent to the sign-in page). Successful reads are never
/// written, so the audit log costs a GET nothing. Denials are capped per address (<see cref="DenialThrottle"/>). Runs after authentication, so the actor is known, and before
/// authorization, so its refusals are seen.
/// </summary>
public sealed class AuditMiddleware(RequestDelegate next, AuditLog audit, DenialThrottle denials)
{
    private const string NoteKey = "natgw.audit.note";

    /// <summary>Adds a short fact (e.g. "revision 12") to the request's audit entry.</summary>
    public static void Note(HttpContext http, string note) => http.Items[NoteKey] = note;

    public async Task InvokeAsync(HttpContext http)
    {
        try
        {
            await next(http);
        }
        catch (Exception e)
        {
            // The exception handler above answers (400 for a query value that does not bind, else 500): a failed attempt.
            if (IsChange(http.Request))
                await RecordAsync(http, AuditResult.Failed, e is BadHttpRequestException bad ? $"status {bad.StatusCode}" : "status 500 (unhandled error)");
            throw;
        }
        var status = http.Response.StatusCode;
        var result = Classify(http, status);
        if (result is null) return;
        var detail = $"status {status}";
        if (status is StatusCodes.Status302Found && result == AuditResult.Denied) detail = "sent to sign-in";
        if (http.Items[NoteKey] is string note) detail += $"; {note}";
        if (result == AuditResult.Denied)
        {
            if (!denials.TryRecord(http.Connection.RemoteIpAddress?.ToString(), out var suppressed)) return;
            if (suppressed > 0) detail += $"; {suppressed} earlier denials from this address not recorded (more than {DenialThrottle.PerMinute} a minute)";
        }
        await RecordAsync(http, result.Value, detail);
    }

    /// <summary>The result to record, or null for requests the audit log leaves out (reads that were not refused).</summary>
    internal static AuditResult? Classify(HttpContext http, int status)
    {
        if (status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden) return AuditResult.Denied;
        // A page refused to an anonymous visitor is a redirect to /login, not a 401.
        if (status is StatusCodes.Status302Found && http.User.Identity?.IsAuthenticated != true
            && http.Response.Headers.Location.ToString() is var location
            && (location.StartsWith("/login", StringComparison.Ordinal) || location.Contains("://" + http.Request.Host + "/login", StringComparison.Ordinal)))
            return AuditResult.Denied;
        if (!IsChange(http.Request)) return null;
        return status is >= 200 and < 300 ? AuditResult.Succeeded : AuditResult.Failed;
    }

    private static bool IsChange(HttpRequest request) =>
        request.Path.StartsWithSegments("/api")
        && (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method)
            || HttpMethods.IsDelete(request.Method));

    private Task RecordAsync(HttpContext http, AuditResult result, string detail) =>
        // The path carries the ids (DELETE /api/v1/rules/{guid}); the query string stays out (filters, secrets).
        audit.RecordAsync(http.User.ActorName(), http.Connection.RemoteIpAddress?.ToString(),
            $"{http.Request.Method} {http.Request.Path}", result, detail, CancellationToken.None);
}
