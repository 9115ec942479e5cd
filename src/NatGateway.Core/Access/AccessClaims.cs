using System.Security.Claims;
using NatGateway.Data.Entities;

namespace NatGateway.Core.Access;

/// <summary>
/// The principal NatGateway works with: a name, how it signed in, and one role claim per role it includes
/// (an admin carries admin, operator and viewer), so a check for "operator" needs no role arithmetic.
/// </summary>
public static class AccessClaims
{
    public const string AuthKindClaim = "natgw:auth";
    public const string SecurityStampClaim = "natgw:stamp";
    public const string TokenIdClaim = "natgw:token";
    public const string UserIdClaim = "natgw:user";

    /// <summary>The role claim value of <paramref name="role"/> ("viewer", "operator", "admin").</summary>
    public static string Name(this Role role) => role switch
    {
        Role.Viewer => "viewer",
        Role.Operator => "operator",
        Role.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    public static bool TryParseRole(string? text, out Role role)
    {
        foreach (var r in Enum.GetValues<Role>())
            if (string.Equals(r.Name(), text?.Trim(), StringComparison.OrdinalIgnoreCase)) { role = r; return true; }
        role = default;
        return false;
    }

    /// <summary>A signed-in user (cookie).</summary>
    public static ClaimsPrincipal ForUser(UserAccount user, string authenticationType) =>
        Principal(user.Name, user.Role, authenticationType, "user",
            new Claim(UserIdClaim, user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(SecurityStampClaim, user.SecurityStamp));

    /// <summary>A request carrying an API token; its name in logs and history is "token NAME".</summary>
    public static ClaimsPrincipal ForToken(ApiToken token, string authenticationType) =>
        Principal($"token {token.Name}", token.Role, authenticationType, "token",
            new Claim(TokenIdClaim, token.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static ClaimsPrincipal Principal(string name, Role role, string authenticationType, string kind, params Claim[] extra)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name), new(AuthKindClaim, kind) };
        foreach (var r in Enum.GetValues<Role>())
            if (r <= role) claims.Add(new Claim(ClaimTypes.Role, r.Name()));
        claims.AddRange(extra);
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The highest role the principal carries; null when it carries none (anonymous).</summary>
    public static Role? HighestRole(this ClaimsPrincipal principal)
    {
        Role? best = null;
        foreach (var r in Enum.GetValues<Role>())
            if (principal.IsInRole(r.Name())) best = r;
        return best;
    }

    public static bool Has(this ClaimsPrincipal principal, Role role) => principal.IsInRole(role.Name());

    /// <summary>Who did it, for revisions, the settings history and the audit log.</summary>
    public static string ActorName(this ClaimsPrincipal principal) =>
        principal.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : "anonymous";
}
