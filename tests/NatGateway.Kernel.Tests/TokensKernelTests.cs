using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NatGateway.Data;
using NatGateway.Data.Entities;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// API tokens against a real natgw in a lab namespace: made with <c>natgw token</c> on the console or
/// <c>POST /api/v1/tokens</c>, used over HTTP, refused once revoked or expired, held to their role.
/// </summary>
public sealed class TokensKernelTests
{
    [KernelFact]
    public async Task A_cli_token_works_over_http_with_its_role_records_its_use_and_is_refused_once_revoked()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        CommandResult Natgw(params string[] args) =>
            lab.ExecWithTimeout(lab.Gateway, TimeSpan.FromSeconds(180), "dotnet", [RepositoryPaths.NatgwDll, .. args, "--db", app.DatabasePath]);

        var created = Natgw("token", "create", "--name", "ci", "--role", "operator", "--expires", "90d");
        Assert.True(created.ExitCode == 0, created.StandardError);
        var secret = created.StandardOutput.Trim();
        Assert.StartsWith("natgw_", secret);
        Assert.Contains("not shown again", created.StandardError);

        // Bad input: exit code 2 naming the option; nothing created.
        Assert.Equal(2, Natgw("token", "create", "--name", "x", "--role", "root").ExitCode);
        Assert.Equal(2, Natgw("token", "create", "--name", "x", "--role", "viewer", "--expires", "2001-01-01").ExitCode);
        Assert.Equal(2, Natgw("token", "create", "--role", "viewer").ExitCode);
        Assert.Equal(2, Natgw("token", "create", "--name", "ci", "--role", "viewer").ExitCode); // a live token has that name
        Assert.Equal(2, Natgw("token", "revoke", "nosuch").ExitCode);

        using var ci = app.CreateClient(secret);
        using (var read = await ci.GetAsync("api/v1/rules")) Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        // An operator action is allowed (409: there is nothing to confirm, which is past the role check) ...
        using (var confirm = await ci.PostAsync("api/v1/revisions/999/confirm", null)) Assert.Equal(HttpStatusCode.Conflict, confirm.StatusCode);
        // ... admin actions are not.
        using (var put = await ci.PutAsync("api/v1/settings", Json("""{"ipv4Forwarding": true}"""))) Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        using (var list = await ci.GetAsync("api/v1/tokens")) Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        using (var make = await ci.PostAsync("api/v1/tokens", Json("""{"name": "mine", "role": "admin"}"""))) Assert.Equal(HttpStatusCode.Forbidden, make.StatusCode);
        Assert.Equal("0", lab.Exec(lab.Gateway, "sysctl", "-n", "net.ipv4.ip_forward").StandardOutput.Trim());

        // Last use and where from, in the list (CLI and API).
        var stored = await TokenAsync(app, "ci");
        Assert.NotNull(stored.LastUsedAt);
        Assert.False(string.IsNullOrEmpty(stored.LastUsedFrom));
        var listed = Natgw("token", "list");
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains(listed.StandardOutput.Split('\n'), l => l.Contains(" ci ") && l.Contains("operator") && l.Contains(stored.LastUsedFrom!) && l.Contains("active"));
        var viaApi = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/tokens");
        var row = viaApi.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "ci");
        Assert.Equal(stored.LastUsedFrom, row.GetProperty("lastUsedFrom").GetString());
        Assert.False(row.TryGetProperty("secretHash", out _));

        var revoked = Natgw("token", "revoke", "ci");
        Assert.True(revoked.ExitCode == 0, revoked.StandardError);
        using (var refused = await ci.GetAsync("api/v1/rules")) Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains(Natgw("token", "list").StandardOutput.Split('\n'), l => l.Contains(" ci ") && l.Contains("revoked"));
    }

    [KernelFact]
    public async Task Tokens_made_over_the_api_work_until_deleted_expired_tokens_are_refused_and_anonymous_callers_get_401()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);

        // Field errors as ProblemDetails, keyed by field.
        using (var bad = await app.Http.PostAsync("api/v1/tokens", Json("""{"name": "a b", "role": "root", "expiresAt": "2001-01-01T00:00:00Z"}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.True(errors.TryGetProperty("name", out _) && errors.TryGetProperty("role", out _) && errors.TryGetProperty("expiresAt", out _), errors.ToString());
        }
        using (var both = await app.Http.PostAsync("api/v1/tokens", Json("""{"name": "x", "role": "viewer", "expiresInDays": 5, "expiresAt": "2030-01-01"}""")))
            Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);

        using var create = await app.Http.PostAsync("api/v1/tokens", Json("""{"name": "rest", "role": "viewer", "expiresInDays": 1}"""));
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var body = await create.Content.ReadFromJsonAsync<JsonElement>();
        var secret = body.GetProperty("secret").GetString()!;
        var id = body.GetProperty("token").GetProperty("id").GetInt64();
        Assert.Equal("viewer", body.GetProperty("token").GetProperty("role").GetString());
        Assert.True(body.GetProperty("token").GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(23));
        using var rest = app.CreateClient(secret);
        using (var ok = await rest.GetAsync("api/v1/settings")) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        // The secret is never served again.
        Assert.DoesNotContain(secret, await app.Http.GetStringAsync("api/v1/tokens"));

        using (var delete = await app.Http.DeleteAsync($"api/v1/tokens/{id}")) Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using (var again = await app.Http.DeleteAsync($"api/v1/tokens/{id}")) Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using (var refused = await rest.GetAsync("api/v1/settings")) Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        // Expiry: the service refuses a past expiry at creation, so age a live token in the database.
        var aging = await app.CreateTokenAsync(Role.Admin, "aging");
        using var agingClient = app.CreateClient(aging);
        using (var ok = await agingClient.GetAsync("api/v1/tokens")) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        await using (var db = Db(app))
        {
            var token = await db.ApiTokens.SingleAsync(t => t.Name == "aging");
            token.ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1);
            await db.SaveChangesAsync();
        }
        using (var expired = await agingClient.GetAsync("api/v1/tokens")) Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);

        // Anonymous: the token routes, the OpenAPI document and the reference page are all refused.
        using var anonymous = app.CreateClient(null);
        foreach (var request in new Func<HttpRequestMessage>[]
                 {
                     () => new(HttpMethod.Get, "api/v1/tokens"),
                     () => new(HttpMethod.Post, "api/v1/tokens") { Content = Json("""{"name": "anon", "role": "admin"}""") },
                     () => new(HttpMethod.Delete, "api/v1/tokens/1"),
                     () => new(HttpMethod.Get, "openapi/v1.json"),
                 })
        {
            using var message = request();
            using var response = await anonymous.SendAsync(message);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{message.Method} {message.RequestUri}: {response.StatusCode}");
        }
        using (var page = await anonymous.GetAsync("scalar/"))
            Assert.True(page.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Unauthorized || page.RequestMessage!.RequestUri!.AbsolutePath == "/login",
                $"/scalar/ answered {page.StatusCode} anonymously");
        Assert.Null(await Db(app).ApiTokens.FirstOrDefaultAsync(t => t.Name == "anon"));

        // Signed in, the document and the reference page are served (the page's script from natgw itself).
        var document = await app.Http.GetFromJsonAsync<JsonElement>("openapi/v1.json");
        Assert.Equal("admin", document.GetProperty("paths").GetProperty("/api/v1/tokens").GetProperty("post").GetProperty("x-natgw-role").GetString());
        var html = await app.Http.GetStringAsync("scalar/");
        Assert.Contains("scalar.js", html);
        Assert.DoesNotContain("cdn.jsdelivr.net", html);
        using (var script = await app.Http.GetAsync("scalar/scalar.js")) Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    private static async Task<ApiToken> TokenAsync(NatgwProcess app, string name)
    {
        await using var db = Db(app);
        return await db.ApiTokens.AsNoTracking().SingleAsync(t => t.Name == name);
    }

    private static NatGatewayDbContext Db(NatgwProcess app)
    {
        var options = new DbContextOptionsBuilder<NatGatewayDbContext>();
        DatabaseSetup.Configure(options, app.DatabasePath);
        return new NatGatewayDbContext(options.Options);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
