using NatGateway.Data.Entities;

namespace NatGateway.TestSupport;

/// <summary>
/// Every API route natgw maps, with the least role it needs. The web tests assert this equals the app's own endpoint
/// list (a new route cannot be forgotten here); the kernel tests crawl it anonymously and run the role matrix on it.
/// </summary>
public static class AccessMatrix
{
    public sealed record Route(string Method, string Pattern, Role Role)
    {
        public bool ChangesState => Method is not "GET";
        public override string ToString() => $"{Method} {Pattern}";
    }

    public static readonly IReadOnlyList<Route> ApiRoutes =
    [
        new("GET", "/api/v1/settings", Role.Viewer),
        new("PUT", "/api/v1/settings", Role.Admin),
        new("GET", "/api/v1/settings/history", Role.Viewer),
        new("GET", "/api/v1/rules", Role.Viewer),
        new("POST", "/api/v1/rules", Role.Admin),
        new("GET", "/api/v1/rules/{id:guid}", Role.Viewer),
        new("PUT", "/api/v1/rules/{id:guid}", Role.Admin),
        new("DELETE", "/api/v1/rules/{id:guid}", Role.Admin),
        new("POST", "/api/v1/rules/reorder", Role.Admin),
        new("POST", "/api/v1/rules/batch", Role.Admin),
        new("POST", "/api/v1/rules/{id:guid}/move", Role.Admin),
        new("POST", "/api/v1/rules/bulk", Role.Admin),
        new("POST", "/api/v1/rules/apply", Role.Admin),
        new("GET", "/api/v1/rules/flows", Role.Viewer),
        new("POST", "/api/v1/rules/{id:guid}/purge", Role.Operator),
        new("POST", "/api/v1/rules/discard", Role.Admin),
        new("GET", "/api/v1/rules/pending", Role.Viewer),
        new("GET", "/api/v1/rules/lint", Role.Viewer),
        new("GET", "/api/v1/rules/{id:guid}/counters", Role.Viewer),
        new("POST", "/api/v1/rules/reapply", Role.Admin),
        new("GET", "/api/v1/rules/drift", Role.Viewer),
        new("GET", "/api/v1/rules/{id:guid}/history", Role.Viewer),
        new("GET", "/api/v1/ruleset", Role.Viewer),
        new("GET", "/api/v1/revisions", Role.Viewer),
        new("GET", "/api/v1/revisions/pending", Role.Viewer),
        new("GET", "/api/v1/revisions/{id:long}", Role.Viewer),
        new("GET", "/api/v1/revisions/{a:long}/diff/{b:long}", Role.Viewer),
        new("POST", "/api/v1/revisions/{id:long}/rollback", Role.Admin),
        new("POST", "/api/v1/revisions/{id:long}/confirm", Role.Operator),
        new("GET", "/api/v1/config/export", Role.Viewer),
        new("POST", "/api/v1/config/import", Role.Admin),
        new("GET", "/api/v1/conntrack", Role.Viewer),
        new("GET", "/api/v1/conntrack/stats", Role.Viewer),
        new("GET", "/api/v1/conntrack/status", Role.Viewer),
        new("DELETE", "/api/v1/conntrack", Role.Operator),
        new("GET", "/api/v1/capacity/plan", Role.Viewer),
        new("POST", "/api/v1/capacity/plan", Role.Viewer),
        new("GET", "/api/v1/capacity/now", Role.Viewer),
        new("POST", "/api/v1/capacity/apply", Role.Admin),
        new("GET", "/api/v1/audit", Role.Viewer),
        new("GET", "/api/v1/tokens", Role.Admin),
        new("POST", "/api/v1/tokens", Role.Admin),
        new("DELETE", "/api/v1/tokens/{id:long}", Role.Admin),
        new("GET", "/api/v1/doctor", Role.Viewer),
        new("GET", "/api/v1/doctor/history", Role.Viewer),
        new("POST", "/api/v1/doctor/fixes", Role.Admin),
        new("POST", "/api/v1/doctor/drops", Role.Operator),
        new("GET", "/api/v1/doctor/drops", Role.Viewer),
        new("POST", "/api/v1/trace", Role.Operator),
        new("POST", "/api/v1/cluster/resync", Role.Admin),
        new("GET", "/api/v1/cluster", Role.Viewer),
        new("PUT", "/api/v1/cluster", Role.Admin),
        new("POST", "/api/v1/cluster/failover", Role.Admin),
        new("POST", "/api/v1/cluster/failback", Role.Admin),
        new("PUT", "/api/v1/cluster/secret", Role.Admin),
        new("POST", "/api/v1/cluster/masquerade-to-snat", Role.Admin),
    ];

    /// <summary>
    /// Role "peer": the HA pair's configuration sync, served only on the sync listener (<c>PeerSyncServer</c>, on the sync address of the cluster configuration in force)
    /// and outside the browser pipeline (no cookie, no antiforgery). Every request must carry an HMAC-SHA256 signature with
    /// the pair's shared secret inside the replay window; anything else there is 401, and these paths are 404 on every other
    /// listener. Not in the endpoint table (a branch before routing), so the crawl never reaches them.
    /// </summary>
    public static readonly IReadOnlyList<string> PeerRoutes = ["GET /peer/v1/state", "POST /peer/v1/revisions"];

    /// <summary>Pages (Blazor routes) that need a signed-in user: a viewer, except /users and /tokens (admin).</summary>
    public static readonly IReadOnlyList<string> Pages =
        ["/", "/rules", "/settings", "/capacity", "/conntrack", "/history", "/audit", "/account", "/users", "/tokens", "/doctor", "/doctor/drops", "/trace", "/cluster"];

    /// <summary>Signed-in routes that are neither API nor page: the OpenAPI document and reference, sign-out.</summary>
    public static readonly IReadOnlyList<string> OtherSignedIn = ["GET /openapi/v1.json", "GET /scalar", "POST /logout"];

    /// <summary>
    /// Routes open to anonymous callers from loopback addresses only (<c>natgw serve --metrics-access loopback</c>, the
    /// default); from anywhere else they need an API token of any role (401 without; a sign-in cookie does not count).
    /// <c>--metrics-access token</c> needs the token from loopback too, <c>off</c> answers 404 to everyone.
    /// </summary>
    public static readonly IReadOnlyList<string> LoopbackOrToken = ["GET /metrics"];

    /// <summary>Routes anyone may request (besides static files): liveness and the sign-in pages.</summary>
    public static readonly IReadOnlyList<string> Anonymous = ["/healthz", "/login", "/login/2fa", "/setup", "/denied"];

    /// <summary>A concrete path for <paramref name="pattern"/>: route parameters filled with <paramref name="guid"/> and <paramref name="number"/>.</summary>
    public static string Fill(string pattern, Guid guid, long number) =>
        System.Text.RegularExpressions.Regex.Replace(pattern, @"\{(\w+):(guid|long)\}", m => m.Groups[2].Value == "guid"
            ? guid.ToString()
            : number.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The routes as a markdown table (for the README and the closing note).</summary>
    public static string Markdown() =>
        "| Method | Route | Role |\n|---|---|---|\n" + string.Join("\n", ApiRoutes.Select(r => $"| {r.Method} | `{r.Pattern}` | {r.Role.ToString().ToLowerInvariant()} |"));
}
