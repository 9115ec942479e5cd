using System.Net;
using Microsoft.AspNetCore.Authorization;
using NatGateway.Core.Access;
using NatGateway.Data.Entities;
using NatGateway.Web.Access;

namespace NatGateway.Web.Metrics;

/// <summary>Who may scrape <c>/metrics</c> (<c>natgw serve --metrics-access</c>).</summary>
public enum MetricsAccessMode
{
    /// <summary>Anonymous scrapes from loopback addresses; from anywhere else an API token (any role). The default.</summary>
    Loopback,
    /// <summary>An API token (any role) always, also from loopback.</summary>
    Token,
    /// <summary>No metrics: <c>/metrics</c> answers 404 to everyone.</summary>
    Off,
}

/// <summary>
/// The authorization policy of <c>/metrics</c>. It authenticates with the API-token scheme only (a scraper sends
/// <c>Authorization: Bearer</c>; there is no sign-in page to send it to), so a refusal is a 401 with
/// <c>WWW-Authenticate: Bearer</c> and goes through the same pipeline as every route: host filter, audit of the denial.
/// </summary>
public static class MetricsAccess
{
    public const string PolicyName = "metrics";

    public static string Text(this MetricsAccessMode mode) => mode switch
    {
        MetricsAccessMode.Loopback => "loopback",
        MetricsAccessMode.Token => "token",
        MetricsAccessMode.Off => "off",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    public static bool TryParse(string? text, out MetricsAccessMode mode)
    {
        foreach (var candidate in Enum.GetValues<MetricsAccessMode>())
            if (string.Equals(candidate.Text(), text, StringComparison.OrdinalIgnoreCase))
            {
                mode = candidate;
                return true;
            }
        mode = default;
        return false;
    }

    /// <summary>The policy: a token of any role, or (in <see cref="MetricsAccessMode.Loopback"/>) a loopback peer.</summary>
    public static void AddPolicy(AuthorizationOptions options, MetricsAccessMode mode) =>
        options.AddPolicy(PolicyName, p => p
            .AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName)
            .RequireAssertion(ctx => ctx.User.IsInRole(Role.Viewer.Name())
                || (mode == MetricsAccessMode.Loopback && ctx.Resource is HttpContext http && IsLoopback(http.Connection.RemoteIpAddress))));

    /// <summary>
    /// 127.0.0.0/8 and ::1, also as an IPv4-mapped IPv6 address (a dual-stack listen socket reports ::ffff:127.0.0.1).
    /// The peer address of the TCP connection: natgw applies no X-Forwarded-For, so a reverse proxy on the same host
    /// makes every scrape it relays a loopback one (use <c>--metrics-access token</c> there).
    /// </summary>
    public static bool IsLoopback(IPAddress? address)
    {
        if (address is null) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return IPAddress.IsLoopback(address);
    }
}
