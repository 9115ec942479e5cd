using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NatGateway.Core.Kernel;
using NatGateway.Data.Entities;
using Xunit;

namespace NatGateway.Web.Tests.Api;

/// <summary>
/// POST/GET /api/v1/doctor/drops against the in-process app with the kernel double's capture: the answer's shape, 400
/// naming <c>seconds</c>, 409 while a capture runs, 501 with the reason where the kernel cannot capture, the operator
/// role, and the latest capture (404 before the first). One class: the app (and its one capture slot) is shared.
/// </summary>
public sealed class DoctorDropsApiTests(InProcessApp app) : IClassFixture<InProcessApp>
{
    private static readonly DropCapture Sample = new(TimeSpan.FromSeconds(2), 7, false,
        [new("NETFILTER_DROP", 4), new("IP_RPFILTER", 3)], [new("nft_do_chain", 4), new("ip_rcv_finish_core", 3)]);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task The_capture_flow_validation_conflict_and_refusal()
    {
        var diagnostics = app.Kernel.FakeDiagnostics;
        using (var none = await app.Admin.GetAsync("api/v1/doctor/drops"))
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);

        foreach (var bad in new[] { """{"seconds": 0}""", """{"seconds": 61}""", """{"seconds": "10"}""", "{}", """{"seconds": 2.5}""" })
        {
            using var response = await app.Admin.PostAsync("api/v1/doctor/drops", Json(bad));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.True(errors.TryGetProperty("seconds", out _), bad);
        }

        using var release = new ManualResetEventSlim();
        diagnostics.CaptureBy = _ => { release.Wait(TimeSpan.FromSeconds(60)); return Sample; };
        var first = app.Admin.PostAsync("api/v1/doctor/drops", Json("""{"seconds": 2}"""));
        var service = (NatGateway.Core.Doctor.DropCaptureService)app.Services.GetService(typeof(NatGateway.Core.Doctor.DropCaptureService))!;
        while (service.Running is null && !first.IsCompleted) await Task.Delay(10); // until the first holds the slot
        using (var busy = await app.Admin.PostAsync("api/v1/doctor/drops", Json("""{"seconds": 3}""")))
        {
            Assert.Equal(HttpStatusCode.Conflict, busy.StatusCode);
            Assert.StartsWith("a capture is running", (await busy.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        release.Set();
        using (var done = await first)
        {
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
            var body = await done.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(2.0, body.GetProperty("durationSeconds").GetDouble());
            Assert.Equal(7, body.GetProperty("events").GetInt64());
            Assert.False(body.GetProperty("truncated").GetBoolean());
            Assert.Equal("NETFILTER_DROP", body.GetProperty("byReason")[0].GetProperty("name").GetString());
            Assert.Equal(4, body.GetProperty("byReason")[0].GetProperty("count").GetInt64());
            Assert.Equal("ip_rcv_finish_core", body.GetProperty("byLocation")[1].GetProperty("name").GetString());
        }

        using var viewer = await app.ClientAsync(Role.Viewer);
        using (var latest = await viewer.GetAsync("api/v1/doctor/drops"))
        {
            Assert.Equal(HttpStatusCode.OK, latest.StatusCode);
            Assert.Equal(7, (await latest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("events").GetInt64());
        }
        using (var denied = await viewer.PostAsync("api/v1/doctor/drops", Json("""{"seconds": 1}""")))
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);

        diagnostics.CaptureBy = _ => throw new NotSupportedException("the kernel has no skb:kfree_skb tracepoint");
        using var operatorClient = await app.ClientAsync(Role.Operator);
        using (var unsupported = await operatorClient.PostAsync("api/v1/doctor/drops", Json("""{"seconds": 1}""")))
        {
            Assert.Equal(HttpStatusCode.NotImplemented, unsupported.StatusCode);
            var problem = await unsupported.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("the kernel has no skb:kfree_skb tracepoint", problem.GetProperty("reason").GetString());
        }
        diagnostics.CaptureBy = null;
    }
}
