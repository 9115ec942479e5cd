using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using NatGateway.Core.Access;

namespace NatGateway.Web.Access;

/// <summary><c>Authorization: Bearer natgw_...</c>: an API token; the principal carries the token's role.</summary>
public sealed class ApiTokenAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger,
    UrlEncoder encoder, ApiTokenService tokens) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!TryReadBearer(Request, out var secret)) return AuthenticateResult.NoResult();
        var token = await tokens.AuthenticateAsync(secret, Context.Connection.RemoteIpAddress?.ToString(), Context.RequestAborted);
        if (token is null) return AuthenticateResult.Fail("The API token is unknown, revoked or expired.");
        var principal = AccessClaims.ForToken(token, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }

    /// <summary>True when the request carries a bearer credential (whatever its validity).</summary>
    public static bool TryReadBearer(HttpRequest request, out string secret)
    {
        secret = "";
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        secret = header["Bearer ".Length..].Trim();
        return secret.Length > 0;
    }
}
