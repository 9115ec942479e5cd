using System.Text.Json.Nodes;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Nat.Tests.Validation;

/// <summary>Load-balanced forwards and timeout policies: REST shape, validation with field errors, per-backend comments.</summary>
public sealed class BalanceValidationTests
{
    private static LoadBalanceRule Three => BalanceRules.Balance(1, 8080, BalanceMethod.RoundRobin, "10.77.2.2", "10.77.2.3:8081*3", "10.77.2.4");

    private static string[] ErrorFields(NatRule rule) => NatRuleValidator.Validate(rule, []).Errors.Select(e => e.Field).ToArray();

    [Fact]
    public void A_load_balanced_forward_round_trips_with_backends_method_and_timeouts()
    {
        const string json = """
            {"kind":"load-balance","name":"web","inInterfaces":["wan0"],"protocol":"tcp","destinationPort":443,
             "backends":[{"address":"10.0.0.2","port":8443,"weight":2},{"address":"10.0.0.3","weight":1}],
             "method":"source-hash","timeouts":{"tcpEstablished":3600}}
            """;
        var parsed = NatRuleJson.Parse(json);
        Assert.True(parsed.Success, string.Join("; ", parsed.Errors));
        var rule = Assert.IsType<LoadBalanceRule>(parsed.Rule);
        Assert.Equal(BalanceMethod.SourceHash, rule.Method);
        Assert.Equal([new LoadBalanceBackend(Rules.Ip("10.0.0.2"), 8443, 2), new LoadBalanceBackend(Rules.Ip("10.0.0.3"), null, 1)], rule.Backends);
        Assert.Equal(3600, rule.Timeouts!.TcpEstablished);
        var written = NatRuleJson.Serialize(rule);
        Assert.Equal(written, NatRuleJson.Serialize(NatRuleJson.Parse(written).Rule!));
        var output = JsonNode.Parse(written)!;
        Assert.Equal("source-hash", output["method"]!.GetValue<string>());
        Assert.Equal(2, output["backends"]![0]!["weight"]!.GetValue<int>());
        Assert.Equal(3600, output["timeouts"]!["tcpEstablished"]!.GetValue<int>());
        Assert.True(NatRuleValidator.Validate(rule, []).IsValid);
    }

    [Theory]
    [InlineData("""{"kind":"load-balance","name":"x","inInterfaces":["wan0"],"destinationPort":80,"backends":[{"address":"10.0.0.2","weight":0},{"address":"10.0.0.3"}]}""", "backends[0].weight")]
    [InlineData("""{"kind":"load-balance","name":"x","inInterfaces":["wan0"],"destinationPort":80,"backends":[{"address":"10.0.0.2"},{"address":"not-an-ip"}]}""", "backends[1].address")]
    [InlineData("""{"kind":"load-balance","name":"x","inInterfaces":["wan0"],"destinationPort":80,"backends":[{"address":"10.0.0.2"},{"address":"10.0.0.3"}],"method":"least-conn"}""", "method")]
    [InlineData("""{"kind":"dnat","name":"x","inInterfaces":["wan0"],"destinationPort":80,"targetAddress":"10.0.0.2","timeouts":{"udpReplied":0}}""", "timeouts.udpReplied")]
    public void The_reader_names_the_bad_field(string json, string field)
    {
        var result = NatRuleValidator.ValidateJson(json, []);
        Assert.Contains(field, result.Errors.Select(e => e.Field));
    }

    [Fact]
    public void Backends_need_at_least_two_and_at_most_the_bound()
    {
        Assert.Contains("backends", ErrorFields(Three with { Backends = [Three.Backends[0]] }));
        var many = Enumerable.Range(0, BalanceValidation.MaxBackends + 1).Select(i => new LoadBalanceBackend(Rules.Ip($"10.77.3.{i + 1}"))).ToList();
        Assert.Contains("backends", ErrorFields(Three with { Backends = many }));
        Assert.Empty(ErrorFields(Three with { Backends = many.Take(BalanceValidation.MaxBackends).ToList() }));
    }

    [Fact]
    public void Weights_ports_addresses_repeats_and_families_are_checked_per_backend()
    {
        Assert.Equal(["backends[1].weight"], ErrorFields(Three with { Backends = [Three.Backends[0], Three.Backends[1] with { Weight = 101 }] }));
        Assert.Equal(["backends[1].port"], ErrorFields(Three with { Backends = [Three.Backends[0], Three.Backends[1] with { Port = 0 }] }));
        Assert.Equal(["backends[1].address"], ErrorFields(Three with { Backends = [Three.Backends[0], new LoadBalanceBackend(Rules.Ip("127.0.0.1"))] }));
        Assert.Equal(["backends[3].address"], ErrorFields(Three with { Backends = [.. Three.Backends, Three.Backends[0]] }));
        // The same address on another port is another backend.
        Assert.Empty(ErrorFields(Three with { Backends = [.. Three.Backends, Three.Backends[0] with { Port = 9999 }] }));
        Assert.Equal(["backends[1].address"], ErrorFields(Three with { Backends = [Three.Backends[0], new LoadBalanceBackend(Rules.Ip("fd77:2::2"))] }));
        Assert.Equal(["inInterfaces"], ErrorFields(Three with { InInterfaces = [] }));
    }

    [Fact]
    public void Timeouts_are_bounded_and_must_fit_the_rules_protocol()
    {
        var forward = Rules.Forward(1, 8080, "10.77.2.2");
        Assert.Empty(ErrorFields(forward with { Timeouts = new ConntrackTimeoutPolicy { TcpEstablished = BalanceValidation.MaxTimeoutSeconds } }));
        Assert.Equal(["timeouts.tcpEstablished"], ErrorFields(forward with { Timeouts = new ConntrackTimeoutPolicy { TcpEstablished = BalanceValidation.MaxTimeoutSeconds + 1 } }));
        Assert.Equal(["timeouts.udpUnreplied"], ErrorFields(forward with { Timeouts = new ConntrackTimeoutPolicy { UdpUnreplied = 30 } }));
        Assert.Equal(["timeouts.tcpEstablished"], ErrorFields(forward with { Protocol = NatProtocol.Udp, Timeouts = new ConntrackTimeoutPolicy { TcpEstablished = 30 } }));
        // Masquerade without a protocol translates both: any state may be set.
        Assert.Empty(ErrorFields(Rules.Masquerade(2) with { Timeouts = new ConntrackTimeoutPolicy { TcpEstablished = 600, UdpUnreplied = 5, UdpReplied = 10 } }));
    }

    [Fact]
    public void Backend_comments_carry_the_rule_id_and_index_and_no_name_can_imitate_one()
    {
        var rule = Three with { Name = "b7 #b2 tricky\"name" };
        var comment = RuleComment.ForBackend(rule, 2);
        Assert.Equal(rule.Id, RuleComment.RuleIdOf(comment));
        Assert.Equal(2, RuleComment.BackendOf(comment));
        Assert.Null(RuleComment.BackendOf(RuleComment.For(rule)));
        Assert.Null(RuleComment.BackendOf(RuleComment.For(rule with { Name = "#b1" })));
    }

    [Fact]
    public void Timeout_objects_are_named_by_their_values_and_shared()
    {
        var policy = new ConntrackTimeoutPolicy { TcpEstablished = 86400, UdpUnreplied = 5, UdpReplied = 10 };
        Assert.Equal("tcp_est86400", NatRulesetCompiler.TimeoutObjectName(policy, Nftables.Schema.NftTimeoutProtocol.Tcp));
        Assert.Equal("udp_unrep5_rep10", NatRulesetCompiler.TimeoutObjectName(policy, Nftables.Schema.NftTimeoutProtocol.Udp));
        Assert.Null(NatRulesetCompiler.TimeoutObjectName(new ConntrackTimeoutPolicy { TcpEstablished = 1 }, Nftables.Schema.NftTimeoutProtocol.Udp));
        var compiled = NatRulesetCompiler.Compile([
            Rules.Forward(1, 2222, "10.77.2.2", 22) with { Timeouts = new ConntrackTimeoutPolicy { TcpEstablished = 86400 } },
            Rules.Forward(2, 2223, "10.77.2.3", 22) with { Timeouts = new ConntrackTimeoutPolicy { TcpEstablished = 86400 } }]);
        Assert.Single(compiled.Batch.Commands, c => c.Object is Nftables.Schema.NftCtTimeout);
    }
}
