using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NatGateway.Core.Cluster;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data.Entities;
using Xunit;

namespace NatGateway.Web.Tests.Api;

/// <summary>
/// /api/v1/cluster against the in-process app with scripted cluster services: the view's shape, field errors by JSON path,
/// a PUT as a commit-confirmed revision, fail over now and back, the write-only secret (never in an answer), the
/// masquerade conversion and refusal, roles and the body limit. One class, one app: the steps build on each other.
/// </summary>
public sealed class ClusterApiTests(InProcessApp app) : IClassFixture<InProcessApp>
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private const string Secret = "api-test-shared-secret-0123456789abcdef";

    private static string Config(bool enabled = true, int priority = 150) =>
        NatGateway.Core.Tests.Cluster.ClusterSamples.Valid.Replace("\"enabled\": true", $"\"enabled\": {(enabled ? "true" : "false")}")
            .Replace("\"priority\": 150", $"\"priority\": {priority}");

    private async Task<JsonElement> ViewAsync()
    {
        using var response = await app.Admin.GetAsync("api/v1/cluster");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task ConfirmPendingAsync()
    {
        using var pending = await app.Admin.GetAsync("api/v1/revisions/pending");
        if (pending.StatusCode != HttpStatusCode.OK) return;
        var body = await pending.Content.ReadFromJsonAsync<JsonElement>();
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("revisionId", out var id))
            using (var confirmed = await app.Admin.PostAsync($"api/v1/revisions/{id.GetInt64()}/confirm", Json("{}")))
                Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
    }

    [Fact]
    public async Task The_pair_is_configured_failed_over_and_its_secret_set_through_the_api()
    {
        var services = new FakeClusterServices { StateOnStart = VrrpState.Primary };
        app.Kernel.Cluster = services;

        var empty = await ViewAsync();
        Assert.False(empty.GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("config").ValueKind);
        Assert.False(empty.GetProperty("secret").GetProperty("set").GetBoolean());

        // Field errors by JSON path, nothing applied.
        foreach (var (body, field) in new[]
                 {
                     (Config(priority: 255), "local.priority"),
                     (Config().Replace("\"virtualRouterId\": 51", "\"virtualRouterId\": 0"), "virtualRouterId"),
                     (Config().Replace("\"syncAddress\": \"10.77.3.2\"", "\"syncAddress\": \"10.99.3.2\""), "peer.syncAddress"),
                     (Config().Replace("\"enabled\": true, ", "\"enabled\": true, \"secret\": \"x\", "), "secret"),
                 })
        {
            using var bad = await app.Admin.PutAsync("api/v1/cluster", Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out _), field);
        }
        Assert.Empty(services.Applied);

        // Roles and the body limit.
        using (var viewer = await app.ClientAsync(Role.Viewer))
        {
            using (var denied = await viewer.PutAsync("api/v1/cluster", Json(Config()))) Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
            using (var denied = await viewer.PostAsync("api/v1/cluster/failover", Json("{}"))) Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
            using (var read = await viewer.GetAsync("api/v1/cluster")) Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
        var padded = Config().TrimEnd().TrimEnd('}') + ",\"pad\":\"" + new string('x', (int)NatGateway.Web.Api.ClusterEndpoints.BodyLimit) + "\"}";
        using (var large = await app.Admin.PutAsync("api/v1/cluster", Json(padded))) Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);

        // A PUT is a revision, commit-confirmed when asked.
        using (var put = await app.Admin.PutAsync("api/v1/cluster?confirmWithinSeconds=60", Json(Config())))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            var answer = await put.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("pending-confirmation", answer.GetProperty("state").GetString());
            using var revision = await app.Admin.GetAsync($"api/v1/revisions/{answer.GetProperty("revisionId").GetInt64()}");
            Assert.Contains("\"cluster\"", await revision.Content.ReadAsStringAsync());
        }
        Assert.Single(services.Applied);
        await ConfirmPendingAsync();

        var view = await ViewAsync();
        Assert.True(view.GetProperty("enabled").GetBoolean());
        Assert.Equal("primary", view.GetProperty("local").GetProperty("vrrpState").GetString());
        Assert.True(view.GetProperty("local").GetProperty("keepalivedRunning").GetBoolean());
        Assert.Equal(150, view.GetProperty("config").GetProperty("local").GetProperty("priority").GetInt32());
        Assert.Equal(["gw1"], view.GetProperty("virtualAddresses")[0].GetProperty("heldBy").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains(view.GetProperty("findings").EnumerateArray(), f => f.GetProperty("kind").GetString() == "secretMissing");

        // The secret: validated, write-only.
        using (var shortSecret = await app.Admin.PutAsync("api/v1/cluster/secret", Json("""{"secret": "short"}""")))
            Assert.Equal(HttpStatusCode.BadRequest, shortSecret.StatusCode);
        using (var set = await app.Admin.PutAsync("api/v1/cluster/secret", Json($$"""{"secret": "{{Secret}}"}""")))
            Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        var withSecret = await ViewAsync();
        Assert.True(withSecret.GetProperty("secret").GetProperty("set").GetBoolean());
        Assert.DoesNotContain(Secret, withSecret.GetRawText());
        using (var export = await app.Admin.GetAsync("api/v1/config/export")) Assert.DoesNotContain(Secret, await export.Content.ReadAsStringAsync());
        using (var list = await app.Admin.GetAsync("api/v1/revisions")) Assert.DoesNotContain(Secret, await list.Content.ReadAsStringAsync());

        // Fail over now, then back: each a commit-confirmed revision.
        using (var failover = await app.Admin.PostAsync("api/v1/cluster/failover", Json("""{"confirmWithinSeconds": 120}""")))
        {
            Assert.Equal(HttpStatusCode.OK, failover.StatusCode);
            Assert.Equal("pending-confirmation", (await failover.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        }
        Assert.Equal(ClusterNode.StandDownPriority, services.Applied[^1].Local.EffectivePriority);
        using (var again = await app.Admin.PostAsync("api/v1/cluster/failover", Json("{}"))) Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        await ConfirmPendingAsync();
        Assert.True((await ViewAsync()).GetProperty("local").GetProperty("standDown").GetBoolean());
        using (var back = await app.Admin.PostAsync("api/v1/cluster/failback", Json("")))
            Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Equal(150, services.Applied[^1].Local.EffectivePriority);
        await ConfirmPendingAsync();
        using (var badWindow = await app.Admin.PostAsync("api/v1/cluster/failover", Json("""{"confirmWithinSeconds": 1}""")))
            Assert.Equal(HttpStatusCode.BadRequest, badWindow.StatusCode);

        // In cluster mode a masquerade rule is refused at its field; the conversion turns a draft one into SNAT to the VIP.
        using (var masquerade = await app.Admin.PostAsync("api/v1/rules", Json("""{"kind": "masquerade", "name": "out", "outInterfaces": ["wan0"]}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, masquerade.StatusCode);
            Assert.Contains("cluster mode", await masquerade.Content.ReadAsStringAsync());
        }
        using (var nothing = await app.Admin.PostAsync("api/v1/cluster/masquerade-to-snat", Json("{}"))) Assert.Equal(HttpStatusCode.Conflict, nothing.StatusCode);
        using (var badIds = await app.Admin.PostAsync("api/v1/cluster/masquerade-to-snat", Json("""{"ids": ["x"]}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badIds.StatusCode);
            Assert.True((await badIds.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("ids[0]", out _));
        }
    }
}
