using System.Globalization;
using Microsoft.AspNetCore.DataProtection;
using NatGateway.Data.Entities;

namespace NatGateway.Web.Access;

/// <summary>
/// Between the password and the second factor: a short-lived, data-protected cookie naming the account and its
/// security stamp (never the password). It expires after five minutes and is spent by the second step.
/// </summary>
public sealed class PendingSignIn(IDataProtectionProvider protection, TimeProvider clock)
{
    public const string CookieName = "natgw.2fa";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private ITimeLimitedDataProtector Protector => protection.CreateProtector("natgw.signin.second-factor").ToTimeLimitedDataProtector();

    public void Start(HttpContext http, UserAccount user)
    {
        var value = Protector.Protect($"{user.Id.ToString(CultureInfo.InvariantCulture)}|{user.SecurityStamp}", clock.GetUtcNow() + Lifetime);
        http.Response.Cookies.Append(CookieName, value, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, MaxAge = Lifetime, Path = "/",
        });
    }

    /// <summary>The account and stamp of the pending sign-in; null when there is none or it expired.</summary>
    public (long UserId, string Stamp)? Read(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value)) return null;
        try
        {
            var text = Protector.Unprotect(value, out var expires);
            if (expires <= clock.GetUtcNow()) return null;
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            return bar > 0 && long.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? (id, text[(bar + 1)..]) : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    public static void End(HttpContext http) => http.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/" });
}
