using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using NatGateway.TestSupport;
using NatGateway.Web.Api;
using NatGateway.Web.Hosting;
using Xunit;

namespace NatGateway.Web.Tests.Api;

/// <summary>
/// The OpenAPI document of the app as built by <see cref="WebHost.Build"/> (in-process, never started: nothing touches
/// the kernel). It must read back without errors, pass the validator, list every /api route the app maps with its
/// methods, and give each operation the role it needs.
/// </summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-openapi-").FullName;
    private WebApplication _app = null!;

    public Task InitializeAsync()
    {
        // The app is named natgw (its static assets manifest is natgw.staticwebassets.endpoints.json), not after the test host.
        _app = WebHost.Build(new ServeOptions
        {
            DatabasePath = Path.Combine(_dir, "natgw.db"),
            SysctlDirectory = Path.Combine(_dir, "sysctl.d"),
            ContentRoot = Path.Combine(RepositoryPaths.Root, "src", "NatGateway.Web"),
            Environment = "Development",
        }, ["--applicationName", "natgw"]);
        // A started host wires the app's endpoints into routing (and so into ApiExplorer, which the document reads);
        // this one is never started, so wire them the same way by hand: UseRouting/UseEndpoints on the app itself.
        _app.UseRouting();
        _app.UseEndpoints(_ => { });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private async Task<(OpenApiDocument Document, string Json)> DocumentAsync()
    {
        var provider = _app.Services.GetRequiredKeyedService<IOpenApiDocumentProvider>("v1");
        var document = await provider.GetOpenApiDocumentAsync();
        var json = await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1);
        return (document, json);
    }

    [Fact]
    public async Task The_document_reads_back_without_errors_and_passes_the_validator()
    {
        var (_, json) = await DocumentAsync();
        var read = OpenApiDocument.Parse(json, "json");
        Assert.NotNull(read.Document);
        Assert.Empty(read.Diagnostic?.Errors ?? []);
        Assert.Empty(read.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
        Assert.Contains("bearer", read.Document.Components!.SecuritySchemes!.Keys);
        Assert.Contains("cookie", read.Document.Components.SecuritySchemes.Keys);
    }

    [Fact]
    public async Task Every_api_route_the_app_maps_is_in_the_document_with_its_methods_and_role()
    {
        var mapped = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m, Path: Normalize(e.RoutePattern.RawText!), Endpoint: e)))
            .ToList();
        Assert.True(mapped.Count >= 38, $"only {mapped.Count} /api operations found: the endpoint data source is not the app's");

        var (document, _) = await DocumentAsync();
        var described = document.Paths.SelectMany(p => p.Value.Operations!.Select(o => (Method: o.Key.Method.ToUpperInvariant(), Path: p.Key, Operation: o.Value)))
            .ToDictionary(o => $"{o.Method} {o.Path}", o => o.Operation);

        foreach (var (method, path, endpoint) in mapped)
        {
            Assert.True(described.TryGetValue($"{method} {path}", out var operation), $"{method} {path} is mapped but not in the OpenAPI document");
            var expected = ApiDocs.RequiredRole(endpoint.Metadata)?.ToString().ToLowerInvariant() ?? "anonymous";
            Assert.True(operation!.Extensions!.TryGetValue(ApiDocs.RoleExtension, out var role), $"{method} {path} has no {ApiDocs.RoleExtension}");
            Assert.Equal(expected, ((JsonNodeExtension)role).Node.GetValue<string>());
            Assert.NotEmpty(operation.Security!);
            // Bodies are described with AcceptsJson, never .Accepts<T>(): that would make routing answer 415 itself.
            Assert.Null(endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>());
            Assert.False(string.IsNullOrEmpty(operation.Summary), $"{method} {path} has no summary");
            // Every success answer has a described shape, except 204s and the documented no-body cases.
            foreach (var (status, response) in operation.Responses!.Where(r => r.Key.StartsWith('2') && r.Key != "204"))
                Assert.True(response.Content is { Count: > 0 }, $"{method} {path} answers {status} without a described body");
        }
        Assert.Equal(mapped.Count, described.Count); // and nothing in the document that the app does not map
    }

    [Fact]
    public async Task Roles_in_the_document_match_the_access_rules()
    {
        var (document, _) = await DocumentAsync();
        string Role(string method, string path) =>
            ((JsonNodeExtension)document.Paths[path].Operations![HttpMethod.Parse(method)].Extensions![ApiDocs.RoleExtension]).Node.GetValue<string>();

        Assert.Equal("viewer", Role("GET", "/api/v1/rules"));
        Assert.Equal("admin", Role("POST", "/api/v1/rules/apply"));
        Assert.Equal("operator", Role("DELETE", "/api/v1/conntrack"));
        Assert.Equal("admin", Role("GET", "/api/v1/tokens"));
        Assert.Equal("admin", Role("POST", "/api/v1/tokens"));
        Assert.Equal("admin", Role("DELETE", "/api/v1/tokens/{id}"));
        Assert.Equal("admin", Role("POST", "/api/v1/rules/batch"));
        Assert.Equal("admin", Role("POST", "/api/v1/rules/{id}/move"));
        Assert.Equal("admin", Role("POST", "/api/v1/rules/bulk"));
        // GET /api/v1/rules answers the whole list or one page: both shapes are in the document, with the query parameters.
        var list = document.Paths["/api/v1/rules"].Operations![HttpMethod.Get];
        Assert.Equal(2, list.Responses!["200"].Content!["application/json"].Schema!.OneOf!.Count);
        Assert.Equal(["enabled", "kind", "page", "pageSize", "search"], list.Parameters!.Select(p => p.Name!).Order(StringComparer.Ordinal));
        var batch = document.Paths["/api/v1/rules/batch"].Operations![HttpMethod.Post];
        Assert.Contains("application/json", batch.RequestBody!.Content!.Keys);
        Assert.Contains("400", batch.Responses!.Keys);
        Assert.Contains("413", batch.Responses.Keys);
        var create = document.Paths["/api/v1/tokens"].Operations![HttpMethod.Post];
        Assert.Contains("application/json", create.RequestBody!.Content!.Keys);
        Assert.Contains("201", create.Responses!.Keys);
        Assert.Contains("400", create.Responses.Keys);
    }

    /// <summary>"/api/v1/rules/{id:guid}" → "/api/v1/rules/{id}", "/api/v1/settings/" → "/api/v1/settings" (as the document writes them).</summary>
    private static string Normalize(string pattern) => Regex.Replace(pattern, @"\{(\w+)(:[^}]*)?\}", "{$1}").TrimEnd('/');
}
