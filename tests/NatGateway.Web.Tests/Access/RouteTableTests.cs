using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using NatGateway.TestSupport;
using NatGateway.Web.Hosting;
using Xunit;

namespace NatGateway.Web.Tests.Access;

/// <summary>
/// The access matrix the kernel tests crawl (AccessMatrix) must be the app's own route list: built in-process from
/// WebHost.Build's endpoint data sources, so a new route or page cannot be left out of the crawl and the role matrix.
/// </summary>
public sealed class RouteTableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-routes-").FullName;

    [Fact]
    public async Task The_access_matrix_lists_every_api_route_page_and_anonymous_route_the_app_maps()
    {
        // The application name picks natgw's static-assets manifest (the test host's own name would not find it).
        await using var app = WebHost.Build(new ServeOptions { DatabasePath = Path.Combine(_dir, "natgw.db"), SysctlDirectory = _dir },
            ["--applicationName", "natgw"]);
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();

        var api = endpoints.Where(e => Pattern(e).StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {Pattern(e)}"))
            .Order().ToList();
        Assert.Equal(AccessMatrix.ApiRoutes.Select(r => r.ToString()).Order(), api);

        var pages = endpoints.Where(e => e.Metadata.GetMetadata<ComponentTypeMetadata>() is not null)
            .Select(Pattern).Where(p => p != "/error").Distinct().Order().ToList();
        Assert.Equal(AccessMatrix.Pages.Concat(AccessMatrix.Anonymous.Where(p => p != "/healthz")).Order(), pages);

        // Anonymous: /healthz, /login (and /error, which re-renders a failure) plus static files (a dot in the last segment).
        var anonymous = endpoints.Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            .Select(Pattern).Where(p => !p.Split('/')[^1].Contains('.')).Where(p => p != "/error").Distinct().Order().ToList();
        Assert.Equal(AccessMatrix.Anonymous.Order(), anonymous);

        // Loopback or token: the endpoints behind the metrics policy.
        var loopbackOrToken = endpoints.Where(e => e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == NatGateway.Web.Metrics.MetricsAccess.PolicyName))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {Pattern(e)}"))
            .Distinct().Order().ToList();
        Assert.Equal(AccessMatrix.LoopbackOrToken.Order(), loopbackOrToken);
    }

    private static string Pattern(RouteEndpoint e)
    {
        var raw = e.RoutePattern.RawText ?? "";
        if (!raw.StartsWith('/')) raw = "/" + raw;
        return raw.Length > 1 ? raw.TrimEnd('/') : raw;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
