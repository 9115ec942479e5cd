using NatGateway.Capacity.Planning;
using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Model;
using NatGateway.Core.Capacity;
using Xunit;

namespace NatGateway.Core.Tests.Capacity;

public sealed class CapacityPlanRequestParserTests
{
    [Fact]
    public void Query_style_values_become_the_plan_request()
    {
        var (request, errors) = CapacityPlanRequestParser.Parse(new Dictionary<string, string?>
        {
            ["entries"] = "500_000", ["budget"] = "512MiB", ["peak"] = "1.5", ["loadFactor"] = "2", ["extensions"] = "nat,acct",
            ["snatPorts"] = "10000-19999", ["snatAddresses"] = "2", ["snatFlows"] = "50000", ["masquerade"] = "",
        });

        Assert.Empty(errors);
        Assert.NotNull(request);
        Assert.Equal(500_000, request.ExpectedEntries);
        Assert.Equal(512L << 20, request.MemoryBudgetBytes);
        Assert.Equal((1.5, 2.0), (request.PeakFactor, request.TargetLoadFactor));
        Assert.Equal(ConntrackExtensions.Nat | ConntrackExtensions.Acct, request.Extensions);
        Assert.Equal(new PortRange(10000, 19999), request.SnatPortRange);
        Assert.Equal((2, 50_000L), (request.SnatAddresses, request.SnatTargetFlowsPerDestination!.Value));
        Assert.True(request.Masquerade); // a bare ?masquerade
        Assert.Null(request.Rates);
    }

    [Fact]
    public void Rates_and_a_share_of_ram_in_percent()
    {
        var (request, errors) = CapacityPlanRequestParser.Parse(new Dictionary<string, string?>
        {
            ["tcpRate"] = "2000", ["udpRate"] = "300", ["udpStreamFraction"] = "25%", ["budgetShare"] = "10%", ["extensions"] = "kernel",
        });

        Assert.Empty(errors);
        Assert.Equal((2000.0, 300.0, 0.25), (request!.Rates!.TcpPerSecond, request.Rates.UdpPerSecond, request.Rates.UdpStreamFraction));
        Assert.Equal(0.1, request.MemoryBudgetShareOfRam!.Value, 10);
        Assert.Null(request.Extensions);
        Assert.Null(request.ExpectedEntries);
    }

    [Fact]
    public void Every_bad_value_is_reported_under_its_own_field()
    {
        var (request, errors) = CapacityPlanRequestParser.Parse(new Dictionary<string, string?>
        {
            ["entries"] = "lots", ["budget"] = "12XB", ["peak"] = "0.5", ["loadFactor"] = "0", ["extensions"] = "nat,turbo",
            ["snatPorts"] = "70000-80000", ["tcpRate"] = "-3", ["budgetShare"] = "150%", ["colour"] = "blue",
        });

        Assert.Null(request);
        Assert.Equal(["budget", "budgetShare", "colour", "entries", "extensions", "loadFactor", "peak", "snatPorts", "tcpRate"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("not a whole number", errors["entries"][0]);
        Assert.Contains("at least 1", errors["peak"][0]);
    }

    [Fact]
    public void An_address_count_beyond_32_bits_is_an_error_not_a_smaller_number()
    {
        var (request, errors) = CapacityPlanRequestParser.Parse(new Dictionary<string, string?>
        {
            ["entries"] = "1000", ["snatAddresses"] = "99999999999",
        });

        Assert.Null(request);
        Assert.Equal(["snatAddresses"], errors.Keys);
        Assert.Contains("at most 2,147,483,647", errors["snatAddresses"][0]);
    }

    [Fact]
    public void Without_load_or_budget_the_request_is_refused()
    {
        var (request, errors) = CapacityPlanRequestParser.Parse(new Dictionary<string, string?>());
        Assert.Null(request);
        Assert.Contains("give expected entries", errors["entries"][0]);
    }

    [Fact]
    public void Json_body_errors_name_the_property_path()
    {
        var (_, typeError) = CapacityPlanRequestParser.ParseJson("""{"expectedEntries": "many"}""");
        Assert.True(typeError.ContainsKey("expectedEntries"), string.Join(",", typeError.Keys));

        var (_, rangeErrors) = CapacityPlanRequestParser.ParseJson("""{"expectedEntries": 1000, "peakFactor": 0.2, "rates": {"tcpPerSecond": -1}}""");
        Assert.Equal(["peakFactor", "rates.tcpPerSecond"], rangeErrors.Keys.Order(StringComparer.Ordinal));

        var (ok, none) = CapacityPlanRequestParser.ParseJson("""{"expectedEntries": 1000, "extensions": "nat, acct", "snatPortRange": "1024-2047"}""");
        Assert.Empty(none);
        Assert.Equal(ConntrackExtensions.Nat | ConntrackExtensions.Acct, ok!.Extensions);

        Assert.True(CapacityPlanRequestParser.ParseJson("not json").Errors.ContainsKey("body"));
    }

    [Fact]
    public void Rule_timeout_policies_are_read_from_the_body_and_checked_by_path()
    {
        var (ok, none) = CapacityPlanRequestParser.ParseJson("""
            {"rates": {"udpPerSecond": 1000}, "ruleTimeouts": [{"rule": "dns", "tcpPerSecond": 0, "udpPerSecond": 500, "udpUnrepliedSeconds": 5}]}
            """);
        Assert.Empty(none);
        Assert.Equal(new RuleTimeoutLoad("dns", 0, 500, UdpUnrepliedSeconds: 5), Assert.Single(ok!.RuleTimeouts));

        var (_, errors) = CapacityPlanRequestParser.ParseJson("""
            {"expectedEntries": 10, "ruleTimeouts": [{"rule": "", "tcpPerSecond": -1, "udpPerSecond": 0, "tcpEstablishedSeconds": 0}]}
            """);
        Assert.Equal(["ruleTimeouts", "ruleTimeouts[0].rule", "ruleTimeouts[0].tcpEstablishedSeconds", "ruleTimeouts[0].tcpPerSecond"],
            errors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("536870912", 536870912L)]
    [InlineData("512MiB", 512L << 20)]
    [InlineData("512M", 512L << 20)]
    [InlineData("1.5GiB", 3L << 29)]
    [InlineData("2GB", 2_000_000_000L)]
    public void Byte_sizes_accept_binary_and_decimal_units(string text, long bytes)
    {
        Assert.True(CapacityPlanRequestParser.TryParseBytes(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }
}
