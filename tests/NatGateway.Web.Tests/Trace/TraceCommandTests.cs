using System.Net;
using System.Text.Json;
using NatGateway.Core.Kernel;
using NatGateway.Core.Tracing;
using NatGateway.Nat;
using NatGateway.Web.Cli;
using Xunit;

namespace NatGateway.Web.Tests.Trace;

/// <summary><c>natgw trace</c> after option parsing: usage errors name the conntrack-style flag (64), the exit code says
/// translated (0) / untranslated (1) / dropped (2), text and JSON output, a refused live trace is 69 with the reason.</summary>
public sealed class TraceCommandTests
{
    private static readonly DnatRule Web = new()
    {
        Name = "web", InInterfaces = ["wan0"], DestinationPort = new PortRange(8080), TargetAddress = AddressPool.Parse("10.0.0.2"), TargetPort = new PortRange(80),
    };

    private sealed class ListTracer(TraceHost host, TraceRefusal refusal = TraceRefusal.Unavailable) : IPacketTracer
    {
        public Task<StaticTrace> ExplainAsync(PacketProbe probe, CancellationToken ct = default) => Task.FromResult(StaticPacketTracer.Explain([Web], probe, host));

        public Task<LiveTrace> TraceAsync(PacketProbe probe, TimeSpan window, CancellationToken ct = default) =>
            throw new TraceUnavailableException(refusal == TraceRefusal.Busy ? "a live trace is already running" : "live tracing is not built yet", refusal);
    }

    private static readonly TraceHost Host = new(
        [new HostInterface("lan0", [IPAddress.Parse("10.0.0.1")]), new HostInterface("wan0", [IPAddress.Parse("192.0.2.1")])],
        [new RouteInfo("10.0.0.0", 24, null, "lan0"), new RouteInfo("0.0.0.0", 0, null, "wan0")], true, true);

    private static ProbeFields Fields(string dst, string dport = "8080", string iif = "wan0", string? proto = "tcp") =>
        new(null, proto, "198.51.100.7", dst, null, dport, iif);

    [Fact]
    public async Task Usage_errors_name_the_flags_and_exit_64()
    {
        var stderr = new StringWriter();
        Assert.Equal(TraceCommand.UsageExitCode, await TraceCommand.RunAsync(new ListTracer(Host), Fields("192.0.2.1", "x", "eth*", null), null, "text", TextWriter.Null, stderr));
        Assert.Equal("natgw trace: -p: is required (tcp or udp); --dport: 'x' is not a port (1 to 65535); -i: 'eth*' is a wildcard; a packet arrives on one interface",
            stderr.ToString().Trim());
        stderr = new StringWriter();
        Assert.Equal(64, await TraceCommand.RunAsync(new ListTracer(Host), Fields("192.0.2.1"), 61, "text", TextWriter.Null, stderr));
        Assert.Contains("--live: 61 is not 1 to 60 seconds", stderr.ToString());
    }

    [Fact]
    public async Task Exit_codes_say_translated_untranslated_or_dropped_and_text_shows_each_hook()
    {
        var stdout = new StringWriter();
        Assert.Equal(TraceCommand.Translated, await TraceCommand.RunAsync(new ListTracer(Host), Fields("192.0.2.1"), null, "text", stdout, TextWriter.Null));
        var text = stdout.ToString();
        Assert.Contains("'web' (dnat): destination becomes 10.0.0.2:80; leaves lan0", text);
        Assert.Contains("prerouting\n  MATCHED     web (dnat): destination becomes 10.0.0.2:80", text.ReplaceLineEndings("\n"));

        Assert.Equal(TraceCommand.Untranslated, await TraceCommand.RunAsync(new ListTracer(Host), Fields("203.0.113.1", "443", "lan0"), null, "text", TextWriter.Null, TextWriter.Null));
        var noRoute = Host with { Routes = [] };
        Assert.Equal(TraceCommand.Dropped, await TraceCommand.RunAsync(new ListTracer(noRoute), Fields("203.0.113.1", "443", "lan0"), null, "text", TextWriter.Null, TextWriter.Null));
    }

    [Fact]
    public async Task Json_output_and_a_refused_live_trace()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(TraceCommand.UnavailableExitCode, await TraceCommand.RunAsync(new ListTracer(Host), Fields("192.0.2.1"), 5, "json", stdout, stderr));
        using var doc = JsonDocument.Parse(stdout.ToString());
        Assert.Equal(Web.Id, doc.RootElement.GetProperty("static").GetProperty("destinationRuleId").GetGuid());
        Assert.Equal("Matched", doc.RootElement.GetProperty("static").GetProperty("steps")[0].GetProperty("outcome").GetString());
        Assert.Equal("natgw trace: live trace refused: live tracing is not built yet", stderr.ToString().Trim());

        // Busy is worth retrying: EX_TEMPFAIL, not EX_UNAVAILABLE.
        var busy = new StringWriter();
        Assert.Equal(TraceCommand.BusyExitCode, await TraceCommand.RunAsync(new ListTracer(Host, TraceRefusal.Busy), Fields("192.0.2.1"), 5, "text", TextWriter.Null, busy));
        Assert.Equal("natgw trace: live trace refused: a live trace is already running", busy.ToString().Trim());
    }
}
