using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NatGateway.Data.Entities;
using Xunit;

namespace NatGateway.Web.Tests.Api;

/// <summary>
/// /api/v1/doctor against the in-process app (in-memory kernel, a port forward in force, forwarding off): the report's
/// shape with enums by name, unknown checks and bad fix requests named by field, roles, a fix applied as a pending
/// revision, 409 once the check no longer offers it, and the status history.
/// </summary>
public sealed class DoctorApiTests(InProcessApp app) : IClassFixture<InProcessApp>, IAsyncLifetime
{
    private HttpClient Admin => app.Admin;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public async Task InitializeAsync()
    {
        var rules = await Admin.GetFromJsonAsync<JsonElement>("api/v1/rules");
        if (rules.GetArrayLength() == 0)
        {
            using var created = await Admin.PostAsync("api/v1/rules", Json("""{"kind": "dnat", "name": "web", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "8080", "targetAddress": "10.1.0.2"}"""));
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            using var applied = await Admin.PostAsync("api/v1/rules/apply", Json("{}"));
            Assert.True(applied.IsSuccessStatusCode, await applied.Content.ReadAsStringAsync());
        }
        app.Kernel.Memory.Values["net.ipv4.ip_forward"] = "0";
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<JsonElement> ErrorsAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {json}");
        return json;
    }

    [Fact]
    public async Task The_report_has_the_documented_shape_with_enums_by_name_and_an_unknown_check_is_named()
    {
        using var viewer = await app.ClientAsync(Role.Viewer);
        var report = await viewer.GetFromJsonAsync<JsonElement>("api/v1/doctor");
        Assert.True(report.TryGetProperty("at", out _));
        Assert.Equal("Critical", report.GetProperty("worst").GetString());
        Assert.True(report.GetProperty("problems").GetInt32() >= 1);
        var check = report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "forwarding-off");
        Assert.Equal("Routing", check.GetProperty("area").GetString());
        Assert.Equal("Critical", check.GetProperty("status").GetString());
        foreach (var field in new[] { "title", "summary", "explanation" }) Assert.False(string.IsNullOrEmpty(check.GetProperty(field).GetString()));
        var evidence = check.GetProperty("evidence")[0];
        Assert.Equal(["name", "value", "source"], evidence.EnumerateObject().Select(p => p.Name).ToArray());
        var fix = check.GetProperty("fixes")[0];
        Assert.Equal("EnableForwarding", fix.GetProperty("kind").GetString());
        Assert.Equal("Ipv4", fix.GetProperty("target").GetProperty("family").GetString());
        Assert.False(string.IsNullOrEmpty(fix.GetProperty("label").GetString()));
        Assert.False(string.IsNullOrEmpty(fix.GetProperty("description").GetString()));

        var one = await viewer.GetFromJsonAsync<JsonElement>("api/v1/doctor?check=forwarding-off");
        Assert.Equal("forwarding-off", Assert.Single(one.GetProperty("checks").EnumerateArray()).GetProperty("id").GetString());

        using var unknown = await viewer.GetAsync("api/v1/doctor?check=no-such-check");
        var problem = await ErrorsAsync(unknown, HttpStatusCode.BadRequest);
        Assert.Contains("forwarding-off", problem.GetProperty("errors").GetProperty("check")[0].GetString());

        // The run above recorded the check's first status.
        var history = await viewer.GetFromJsonAsync<JsonElement>("api/v1/doctor/history?page=1&pageSize=50");
        var change = history.GetProperty("items").EnumerateArray().First(c => c.GetProperty("check").GetString() == "forwarding-off");
        Assert.Equal("Critical", change.GetProperty("to").GetString());
        Assert.True(history.GetProperty("totalCount").GetInt32() >= 1);
        using var badPage = await viewer.GetAsync("api/v1/doctor/history?pageSize=0");
        Assert.True((await ErrorsAsync(badPage, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("pageSize", out _));
    }

    [Fact]
    public async Task Fix_requests_are_checked_field_by_field_and_need_the_admin_role()
    {
        foreach (var (body, field) in new[]
        {
            ("""{"fix": 0}""", "check"),
            ("""{"check": "nope", "fix": 0}""", "check"),
            ("""{"check": "forwarding-off"}""", "fix"),
            ("""{"check": "forwarding-off", "fix": -1}""", "fix"),
            ("""{"check": "forwarding-off", "kind": "MakeItFast"}""", "kind"),
            ("""{"check": "forwarding-off", "fix": 0, "kind": "EnableForwarding"}""", "kind"),
            ("""{"check": "forwarding-off", "fix": 0, "confirmWithinSeconds": 1}""", "confirmWithinSeconds"),
            ("""{"check": "forwarding-off", "fix": 0, "surprise": true}""", "surprise"),
        })
        {
            using var response = await Admin.PostAsync("api/v1/doctor/fixes", Json(body));
            var problem = await ErrorsAsync(response, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{body}: {problem}");
        }
        foreach (var role in new[] { Role.Viewer, Role.Operator })
        {
            using var client = await app.ClientAsync(role);
            using var denied = await client.PostAsync("api/v1/doctor/fixes", Json("""{"check": "forwarding-off", "fix": 0}"""));
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }
        Assert.Equal("0", app.Kernel.Memory.Values["net.ipv4.ip_forward"]);
    }

    [Fact]
    public async Task A_fix_becomes_a_pending_revision_and_is_409_once_the_check_no_longer_offers_it()
    {
        using var response = await Admin.PostAsync("api/v1/doctor/fixes", Json("""{"check": "forwarding-off", "kind": "EnableForwarding", "confirmWithinSeconds": 120}"""));
        var applied = await ErrorsAsync(response, HttpStatusCode.OK);
        Assert.Equal("pending-confirmation", applied.GetProperty("state").GetString());
        Assert.Equal("forwarding-off", applied.GetProperty("check").GetString());
        Assert.Equal("EnableForwarding", applied.GetProperty("fix").GetProperty("kind").GetString());
        var id = applied.GetProperty("revisionId").GetInt64();
        Assert.Equal("1", app.Kernel.Memory.Values["net.ipv4.ip_forward"]);
        using (var confirmed = await Admin.PostAsync($"api/v1/revisions/{id}/confirm", null))
            Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);

        using var again = await Admin.PostAsync("api/v1/doctor/fixes", Json("""{"check": "forwarding-off", "fix": 0}"""));
        var problem = await ErrorsAsync(again, HttpStatusCode.Conflict);
        Assert.Contains("offers no fix now", problem.GetProperty("detail").GetString());
    }
}
