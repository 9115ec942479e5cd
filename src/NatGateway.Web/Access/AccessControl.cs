using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using NatGateway.Core.Access;
using NatGateway.Data.Entities;
using NatGateway.Web.Hosting;

namespace NatGateway.Web.Access;

/// <summary>
/// Who may do what. Two ways in: the sign-in cookie (browser) and <c>Authorization: Bearer</c> (API tokens).
/// Every endpoint, page and the Blazor hub need at least the viewer role unless marked anonymous
/// (the fallback policy); endpoints that change state declare the role they need with <see cref="RequireRole"/>.
/// </summary>
public static class AccessControl
{
    private const string SelectorScheme = "natgw";
    public const string CookieName = "natgw.auth";

    public static IServiceCollection AddAccessControl(this IServiceCollection services, ServeOptions options)
    {
        services.AddAccounts();
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = SelectorScheme;
                o.DefaultChallengeScheme = SelectorScheme;
            })
            .AddPolicyScheme(SelectorScheme, "Cookie or API token", o => o.ForwardDefaultSelector = http =>
                ApiTokenAuthenticationHandler.TryReadBearer(http.Request, out _)
                    ? ApiTokenAuthenticationHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.LoginPath = "/login";
                o.AccessDeniedPath = "/denied";
                // The API answers with status codes, never with a redirect to an HTML page.
                o.Events.OnRedirectToLogin = ctx => ApiOrRedirect(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => ApiOrRedirect(ctx, StatusCodes.Status403Forbidden);
            })
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(
                ApiTokenAuthenticationHandler.SchemeName, null);

        services.AddAuthorization(o =>
        {
            foreach (var role in Enum.GetValues<Role>())
                o.AddPolicy(role.Name(), p => p.RequireAuthenticatedUser().RequireRole(role.Name()));
            o.FallbackPolicy = o.GetPolicy(Role.Viewer.Name());
        });
        services.AddCascadingAuthenticationState();
        // Cookie keys survive restarts (kept beside the database, readable by natgw only).
        var keys = new DirectoryInfo(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.DatabasePath)) ?? ".", "keys"));
        services.AddDataProtection().SetApplicationName("natgw").PersistKeysToFileSystem(keys);
        return services;
    }

    /// <summary>The endpoint (or group) needs <paramref name="role"/> or a higher one.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, Role role) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(role.Name());

    private static Task ApiOrRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        // The hub's negotiate is a script's request too: a status code, not a redirect to an HTML page.
        if (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments("/openapi")
            || ctx.Request.Path.StartsWithSegments("/_blazor"))
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }
}
