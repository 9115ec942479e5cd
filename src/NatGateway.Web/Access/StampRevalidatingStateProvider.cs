using System.Globalization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using NatGateway.Core.Access;

namespace NatGateway.Web.Access;

/// <summary>
/// A Blazor circuit outlives the request that authenticated it: every 30 s it re-checks that the account still exists
/// with the security stamp of its cookie, so a removed user or one whose password or role changed is sent to sign in
/// again without waiting for the next page load.
/// </summary>
internal sealed class StampRevalidatingStateProvider(ILoggerFactory loggerFactory, UserService users)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(30);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        var principal = authenticationState.User;
        var id = principal.FindFirst(AccessClaims.UserIdClaim)?.Value;
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var userId)) return false;
        var user = await users.FindAsync(userId, cancellationToken);
        return user is not null && user.SecurityStamp == principal.FindFirst(AccessClaims.SecurityStampClaim)?.Value;
    }
}
