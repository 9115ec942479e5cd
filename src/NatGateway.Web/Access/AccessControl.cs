using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.RateLimiting;
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
                o.Events.OnValidatePrincipal = ValidateStampAsync;
            })
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(
                ApiTokenAuthenticationHandler.SchemeName, null);

        services.AddAuthorization(o =>
        {
            foreach (var role in Enum.GetValues<Role>())
                o.AddPolicy(role.Name(), p => p.RequireAuthenticatedUser().RequireRole(role.Name()));
            o.FallbackPolicy = o.GetPolicy(Role.Viewer.Name());
            NatGateway.Web.Metrics.MetricsAccess.AddPolicy(o, options.MetricsAccess);
        });
        services.AddCascadingAuthenticationState();
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, StampRevalidatingStateProvider>();
        services.AddSingleton(sp => new FirstRunSetup(sp.GetRequiredService<UserService>(), sp.GetRequiredService<AuditLog>(),
            sp.GetRequiredService<ILogger<FirstRunSetup>>(), options.Urls));
        services.AddHostedService(sp => sp.GetRequiredService<FirstRunSetup>());
        services.AddSingleton<PendingSignIn>();
        services.AddSingleton<DenialThrottle>();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (ctx, _) =>
            {
                if (ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                    ctx.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return ValueTask.CompletedTask;
            };
            // Password guessing is slowed per client address whatever name it tries (the lockout covers one name).
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => IsSignInPost(http.Request)
                ? RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = SignInAttemptsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter(""));
        });
        // Cookie keys survive restarts (kept beside the database, readable by natgw only).
        var keys = new DirectoryInfo(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.DatabasePath)) ?? ".", "keys"));
        services.AddDataProtection().SetApplicationName("natgw").PersistKeysToFileSystem(keys);
        return services;
    }

    /// <summary>Sign-in form posts (password, second factor, first-run setup) per client address and minute.</summary>
    public const int SignInAttemptsPerMinute = 10;

    private static bool IsSignInPost(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && (request.Path.Equals("/login", StringComparison.OrdinalIgnoreCase)
            || request.Path.Equals("/login/2fa", StringComparison.OrdinalIgnoreCase) || request.Path.Equals("/setup", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Every cookie request: the account must still exist with the security stamp the cookie was issued with, so a
    /// password, role or second-factor change (or removal) ends every session of that account at its next request.
    /// One primary-key read, cheap enough to do every time.
    /// </summary>
    private static async Task ValidateStampAsync(CookieValidatePrincipalContext ctx)
    {
        var id = ctx.Principal?.FindFirst(AccessClaims.UserIdClaim)?.Value;
        var stamp = ctx.Principal?.FindFirst(AccessClaims.SecurityStampClaim)?.Value;
        var user = long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var userId)
            ? await ctx.HttpContext.RequestServices.GetRequiredService<UserService>().FindAsync(userId, ctx.HttpContext.RequestAborted)
            : null;
        if (user is not null && user.SecurityStamp == stamp) return;
        ctx.RejectPrincipal();
        await ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    /// <summary>POST /logout: a form post with the antiforgery token (a cross-site page cannot sign anyone out).</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/logout", async (HttpContext http, IAntiforgery antiforgery, AuditLog audit) =>
            {
                if (!await antiforgery.IsRequestValidAsync(http)) return Results.BadRequest();
                var name = http.User.ActorName();
                await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                await audit.RecordAsync(name, http.Connection.RemoteIpAddress?.ToString(), "logout", AuditResult.Succeeded);
                return Results.Redirect("/login");
            })
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(16 * 1024))
            .ExcludeFromDescription();
        return app;
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
