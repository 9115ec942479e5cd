using System.Net;
using System.Text.Json;
using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.Web.Api;
using Xunit;

namespace NatGateway.Web.Tests.Api;

/// <summary>The REST rule output carries a load-balanced forward's counters per backend, beside the rule's own shape.</summary>
public sealed class BackendCountersOutputTests
{
    private static readonly LoadBalanceRule Rule = new()
    {
        Id = Guid.Parse("00000000-0000-0000-0000-000000000031"), Name = "web", MarkId = 31, InInterfaces = ["wan0"],
        DestinationPort = new PortRange(443),
        Backends = [new(IPAddress.Parse("10.0.0.2")), new(IPAddress.Parse("10.0.0.3"), 8443, 3), new(IPAddress.Parse("10.0.0.4"))],
    };

    private static JsonElement Write(NatRule rule, RuleCounters? counters)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream)) RuleListWriter.WriteRule(w, rule, counters, []);
        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }

    [Fact]
    public void Each_backend_has_its_packets_and_bytes_by_index_and_a_backend_the_kernel_did_not_list_shows_zero()
    {
        var counters = new RuleCounters(Rule.Id, 7, 420) { Backends = [new BackendCounters(0, 3, 180), new BackendCounters(1, 4, 240)] };
        var json = Write(Rule, counters);
        Assert.Equal(7, json.GetProperty("packets").GetInt64());
        var perBackend = json.GetProperty("backendCounters").EnumerateArray()
            .Select(b => (b.GetProperty("backend").GetInt32(), b.GetProperty("packets").GetInt64(), b.GetProperty("bytes").GetInt64())).ToList();
        Assert.Equal([(0, 3L, 180L), (1, 4L, 240L), (2, 0L, 0L)], perBackend);
        // The rule's own shape is untouched: the backends list is the one the rule was written with.
        Assert.Equal(3, json.GetProperty("backends").GetArrayLength());
    }

    [Fact]
    public void Other_kinds_have_no_backend_counters()
    {
        var forward = new DnatRule { Name = "f", InInterfaces = ["wan0"], DestinationPort = new PortRange(80), TargetAddress = AddressPool.Parse("10.0.0.2") };
        Assert.False(Write(forward, null).TryGetProperty("backendCounters", out _));
        Assert.Equal(3, Write(Rule, null).GetProperty("backendCounters").GetArrayLength());
    }
}
