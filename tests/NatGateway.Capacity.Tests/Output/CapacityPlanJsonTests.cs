using System.Text.Json;
using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Output;
using NatGateway.Capacity.Planning;
using Xunit;

namespace NatGateway.Capacity.Tests.Output;

public sealed class CapacityPlanJsonTests
{
    private static CapacityPlan PlanFor500k() =>
        new CapacityPlanner(SampleKernel.Facts()).Plan(new CapacityPlanRequest { ExpectedEntries = 500_000 });

    [Fact]
    public void Natgw_plan_entries_500000_reports_entries_and_buckets_memory()
    {
        using var json = JsonDocument.Parse(CapacityPlanJson.Serialize(PlanFor500k()));
        var root = json.RootElement;

        Assert.Equal(128_000_000, root.GetProperty("entriesMemoryBytes").GetInt64());
        Assert.Equal(4_194_304, root.GetProperty("bucketsMemoryBytes").GetInt64());
        Assert.Equal(500_000, root.GetProperty("recommendedMax").GetInt64());
        Assert.Equal(500_224, root.GetProperty("recommendedBuckets").GetInt64());
    }

    [Fact]
    public void Names_are_camelCase_and_port_ranges_are_text()
    {
        using var json = JsonDocument.Parse(CapacityPlanJson.Serialize(PlanFor500k()));
        var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();

        Assert.All(names, n => Assert.True(char.IsLower(n[0]), n));
        Assert.Contains("fullTableMemoryBytes", names);
        Assert.Contains("seedFormulaBytes", names);
        var snat = json.RootElement.GetProperty("snat");
        Assert.Equal("1024-65535", snat.GetProperty("portRange").GetString());
        Assert.Equal(64512, snat.GetProperty("flowsPerAddressPerDestination").GetInt32());
    }

    [Fact]
    public void Round_trips()
    {
        var plan = PlanFor500k();
        var back = CapacityPlanJson.Deserialize(CapacityPlanJson.Serialize(plan))!;

        Assert.Equal(plan.EntriesMemoryBytes, back.EntriesMemoryBytes);
        Assert.Equal(plan.Snat, back.Snat);
        Assert.Equal(plan.Extensions, back.Extensions);
        Assert.Equal(new PortRange(1024, 65535), back.Snat!.PortRange);
    }

    [Fact]
    public void Reads_an_api_request_with_flags_and_port_range()
    {
        var request = CapacityPlanJson.DeserializeRequest("""
            {"expectedEntries": 500000, "extensions": "nat, acct", "snatPortRange": "10000-19999", "peakFactor": 1.5,
             "rates": {"tcpPerSecond": 100}}
            """)!;

        Assert.Equal(500_000, request.ExpectedEntries);
        Assert.Equal(NatGateway.Capacity.Model.ConntrackExtensions.Nat | NatGateway.Capacity.Model.ConntrackExtensions.Acct, request.Extensions);
        Assert.Equal(new PortRange(10000, 19999), request.SnatPortRange);
        Assert.Equal(1.5, request.PeakFactor);
        Assert.Equal(100, request.Rates!.TcpPerSecond);
        Assert.Equal(0.1, request.Rates.UdpStreamFraction); // unspecified fields keep their defaults
    }
}
