using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NatGateway.Core.Kernel;
using NatGateway.Core.Tracing;
using NatGateway.Data.Entities;
using Xunit;

namespace NatGateway.Web.Tests.Api;

/// <summary>
/// POST /api/v1/trace against the in-process app and the in-memory kernel (no rules in force, routes set here): field
/// errors as problem details, the operator role, the body limit, the static answer's shape, the live trace through a fake
/// <see cref="IPacketTracing"/> with our hops named by rule comment, 501 with the reason where tracing is unavailable and
/// 409 while another live trace runs. One class: the app (and its one live slot) is shared.
/// </summary>
public sealed class TraceApiTests(InProcessApp app) : IClassFixture<InProcessApp>
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private const string Probe = """{"protocol":"tcp","source":"198.51.100.7","destination":"203.0.113.9","destinationPort":443,"inInterface":"lan0"}""";

    private sealed class FakeTracing(Func<PacketProbe, TimeSpan, IReadOnlyList<TracedPacket>> capture) : IPacketTracing
    {
        public IReadOnlyList<TracedPacket> Capture(PacketProbe probe, TimeSpan window, int maxPackets) => capture(probe, window);
    }

    [Fact]
    public async Task Field_errors_roles_and_the_body_limit()
    {
        foreach (var (body, field) in new[]
                 {
                     ("""{"source":"198.51.100.7","destination":"203.0.113.9","destinationPort":443,"inInterface":"lan0"}""", "protocol"),
                     ("""{"protocol":"icmp","source":"198.51.100.7","destination":"203.0.113.9","destinationPort":443,"inInterface":"lan0"}""", "protocol"),
                     ("""{"protocol":"tcp","source":"1.2","destination":"203.0.113.9","destinationPort":443,"inInterface":"lan0"}""", "source"),
                     ("""{"protocol":"tcp","source":"198.51.100.7","destination":"fd00::1","destinationPort":443,"inInterface":"lan0"}""", "destination"),
                     ("""{"protocol":"tcp","source":"198.51.100.7","destination":"203.0.113.9","destinationPort":70000,"inInterface":"lan0"}""", "destinationPort"),
                     ("""{"protocol":"tcp","source":"198.51.100.7","destination":"203.0.113.9","destinationPort":"x","inInterface":"lan0"}""", "destinationPort"),
                     ("""{"protocol":"tcp","source":"198.51.100.7","destination":"203.0.113.9","destinationPort":443,"inInterface":"eth*"}""", "inInterface"),
                     ("""{"protocol":"tcp","source":"198.51.100.7","destination":"203.0.113.9","destinationPort":443,"inInterface":"lan0","family":"ipv6"}""", "family"),
                     ("""{"protocol":"tcp","source":"198.51.100.7","destination":"203.0.113.9","destinationPort":443,"inInterface":"lan0","liveSeconds":61}""", "liveSeconds"),
                     ("""{"protocol":"tcp","source":"198.51.100.7","destination":"203.0.113.9","destinationPort":443,"inInterface":"lan0","ttl":3}""", "ttl"),
                 })
        {
            using var response = await app.Admin.PostAsync("api/v1/trace", Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out _), $"{field}: {body}");
        }

        using var viewer = await app.ClientAsync(Role.Viewer);
        using (var denied = await viewer.PostAsync("api/v1/trace", Json(Probe)))
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);

        var padded = Probe.TrimEnd('}') + ",\"pad\":\"" + new string('x', (int)NatGateway.Web.Api.TraceEndpoints.BodyLimit) + "\"}";
        using (var large = await app.Admin.PostAsync("api/v1/trace", Json(padded)))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
    }

    [Fact]
    public async Task Static_answer_then_live_hops_then_refusals()
    {
        app.Kernel.Routes.Clear();
        app.Kernel.Routes.Add(new RouteInfo("0.0.0.0", 0, "192.0.2.254", "wan0"));
        using var operatorClient = await app.ClientAsync(Role.Operator);
        using (var response = await operatorClient.PostAsync("api/v1/trace", Json(Probe)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            var answer = body.GetProperty("static");
            Assert.Equal("wan0", answer.GetProperty("outInterface").GetString());
            // The in-memory kernel starts with net.ipv4.ip_forward = 0: routed, then dropped.
            Assert.Equal("ForwardingDisabled", answer.GetProperty("delivery").GetString());
            Assert.Equal("203.0.113.9", answer.GetProperty("destination").GetString());
            Assert.Equal(443, answer.GetProperty("destinationPort").GetInt32());
            Assert.Equal("ipv4", answer.GetProperty("probe").GetProperty("family").GetString());
            Assert.Equal(0, answer.GetProperty("steps").GetArrayLength());
            Assert.Equal("no destination NAT rule matches; routed to wan0, but IPv4 forwarding is off: dropped", answer.GetProperty("summary").GetString());
            Assert.False(body.TryGetProperty("live", out _));
        }

        // Live: the not-built kernel half refuses with its reason (501), the static answer still in the problem.
        var live = Probe.TrimEnd('}') + ",\"liveSeconds\":2}";
        using (var refused = await operatorClient.PostAsync("api/v1/trace", Json(live)))
        {
            Assert.Equal(HttpStatusCode.NotImplemented, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("live tracing is not built yet", problem.GetProperty("reason").GetString());
            Assert.Equal("wan0", problem.GetProperty("static").GetProperty("outInterface").GetString());
        }

        var ruleId = Guid.NewGuid();
        TimeSpan? asked = null;
        app.Kernel.Tracing = new FakeTracing((probe, window) =>
        {
            asked = window;
            return [new TracedPacket(0xabc, "lan0", "wan0", [
                new TraceHop("ip", "filter", "forward", TraceEventKind.Rule, 7, "iifname \"lan0\" drop", TraceVerdict.Drop, null, false, null),
                new TraceHop("ip", "natgw", "postrouting", TraceEventKind.Rule, 12, $"oifname \"wan0\" counter masquerade comment \"{ruleId} out\"",
                    TraceVerdict.Accept, null, true, null)])];
        });
        using (var traced = await operatorClient.PostAsync("api/v1/trace", Json(live)))
        {
            Assert.Equal(HttpStatusCode.OK, traced.StatusCode);
            var hops = (await traced.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("live").GetProperty("packets")[0].GetProperty("hops");
            Assert.Equal(TimeSpan.FromSeconds(2), asked);
            Assert.Equal("Drop", hops[0].GetProperty("verdict").GetString());
            Assert.False(hops[0].GetProperty("ourTable").GetBoolean());
            Assert.False(hops[0].TryGetProperty("ruleId", out _));
            Assert.Equal(ruleId, hops[1].GetProperty("ruleId").GetGuid());
        }

        // Busy: a second live trace while one holds the slot.
        using var release = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        app.Kernel.Tracing = new FakeTracing((_, _) => { started.Set(); release.Wait(TimeSpan.FromSeconds(60)); return []; });
        var first = operatorClient.PostAsync("api/v1/trace", Json(live));
        Assert.True(started.Wait(TimeSpan.FromSeconds(60)));
        using (var busy = await app.Admin.PostAsync("api/v1/trace", Json(live)))
        {
            Assert.Equal(HttpStatusCode.Conflict, busy.StatusCode);
            Assert.StartsWith("a live trace is already running", (await busy.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString(), StringComparison.Ordinal);
        }
        release.Set();
        using (var done = await first)
            Assert.Equal(0, (await done.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("live").GetProperty("packets").GetArrayLength());

        // The kernel side (natgw agent) refusing as busy — another process holds the one trace — is the same 409, not 501.
        app.Kernel.Tracing = new FakeTracing((_, _) => throw new TraceUnavailableException("another live trace is running; one runs at a time", TraceRefusal.Busy));
        using (var agentBusy = await operatorClient.PostAsync("api/v1/trace", Json(live)))
        {
            Assert.Equal(HttpStatusCode.Conflict, agentBusy.StatusCode);
            Assert.Equal("another live trace is running; one runs at a time", (await agentBusy.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        }
        app.Kernel.Tracing = new UnbuiltPacketTracing();
    }
}
