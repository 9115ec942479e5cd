using NatGateway.Nat;
using Xunit;

namespace NatGateway.Nat.Tests.Domain;

/// <summary>Every error and warning the validator produces, from REST JSON in, with the field it names.</summary>
public sealed class ValidationTableTests
{
    private const string Web = """{"kind":"dnat","name":"web","enabled":true,"inInterfaces":["lan0"],"protocol":"tcp","sourceCidrs":[],"destinationAddress":null,"destinationPort":"8080","targetAddress":"10.77.2.2","targetPort":"80","hairpin":false}""";

    private static string Dnat(string overrides) => Web[..^1] + "," + overrides + "}";

    private static readonly NatRule EarlierWeb = NatRuleJson.Parse(Web).Rule! with { Name = "earlier" };
    private static readonly NatRule EarlierRange = NatRuleJson.Parse(Dnat("\"destinationPort\":\"8000-9000\"")).Rule! with { Name = "wide" };

    /// <summary>(case, json, earlier rules: none/web/range, field, message fragment)</summary>
    public static TheoryData<string, string, string, string, string> Errors => new()
    {
        { "bad target address", Dnat("\"targetAddress\":\"10.0.0.300\""), "none", "targetAddress", "not an IP address" },
        { "bad destination address", Dnat("\"destinationAddress\":\"gateway\""), "none", "destinationAddress", "not an IP address" },
        { "bad CIDR prefix length", Dnat("\"sourceCidrs\":[\"10.0.0.0/33\"]"), "none", "sourceCidrs[0]", "invalid prefix length" },
        { "CIDR with host bits", Dnat("\"sourceCidrs\":[\"10.77.1.0/24\",\"10.0.0.1/8\"]"), "none", "sourceCidrs[1]", "host bits set" },
        { "garbage CIDR", """{"kind":"masquerade","name":"m","outInterfaces":["wan0"],"sourceCidrs":["ten/8"]}""", "none", "sourceCidrs[0]", "not an IP address or CIDR" },
        { "port 0 as number", Dnat("\"destinationPort\":0"), "none", "destinationPort", "outside 1..65535" },
        { "port 0 as string", Dnat("\"targetPort\":\"0\""), "none", "targetPort", "outside 1..65535" },
        { "port above 65535", Dnat("\"destinationPort\":\"70000\""), "none", "destinationPort", "outside 1..65535" },
        { "port above 65535 as number", Dnat("\"destinationPort\":65536"), "none", "destinationPort", "outside 1..65535" },
        { "port not a number", Dnat("\"destinationPort\":\"http\""), "none", "destinationPort", "not a port" },
        { "reversed port range", Dnat("\"destinationPort\":\"2000-1000\""), "none", "destinationPort", "reversed range" },
        { "reversed address range", """{"kind":"snat","name":"s","outInterfaces":["wan0"],"translateTo":"10.77.2.12-10.77.2.10"}""", "none", "translateTo", "reversed range" },
        { "mismatched range widths", Dnat("\"destinationPort\":\"1000-1010\",\"targetPort\":\"2000-2005\""), "none", "targetPort", "range widths differ" },
        { "target range for one port", Dnat("\"targetPort\":\"80-90\""), "none", "targetPort", "needs a destination port range" },
        { "family mismatch target", Dnat("\"family\":\"ipv4\",\"targetAddress\":\"fd77:2::2\""), "none", "targetAddress", "rule's family is IPv4" },
        { "family mismatch source", """{"kind":"snat","name":"s","family":"ipv6","outInterfaces":["wan0"],"sourceCidrs":["10.0.0.0/8"],"translateTo":"fd77:2::1"}""", "none", "sourceCidrs[0]", "rule's family is IPv6" },
        { "duplicate forward", Web, "web", "destinationPort", "duplicates the earlier rule 'earlier'" },
        { "shadowed forward", Web, "range", "destinationPort", "shadowed by the earlier rule 'wide'" },
        { "missing name", Dnat("\"name\":\"\""), "none", "name", "is required" },
        { "missing kind", """{"name":"x"}""", "none", "kind", "is required" },
        { "unknown kind", """{"kind":"nat64","name":"x"}""", "none", "kind", "not a rule kind" },
        { "unknown field", Dnat("\"destPort\":\"80\""), "none", "destPort", "unknown field" },
        { "field of another kind", """{"kind":"masquerade","name":"m","outInterfaces":["wan0"],"hairpin":true}""", "none", "hairpin", "unknown field" },
        { "ports without protocol", """{"kind":"masquerade","name":"m","outInterfaces":["wan0"],"ports":"1024-65535"}""", "none", "ports", "needs a protocol" },
        { "no interfaces", Dnat("\"inInterfaces\":[]"), "none", "inInterfaces", "at least one interface" },
        { "invalid interface name", """{"kind":"masquerade","name":"m","outInterfaces":["wan 0"]}""", "none", "outInterfaces[0]", "not a valid interface name" },
        { "interface twice", """{"kind":"masquerade","name":"m","outInterfaces":["wan0","wan0"]}""", "none", "outInterfaces[1]", "listed twice" },
        { "unknown option", """{"kind":"masquerade","name":"m","outInterfaces":["wan0"],"options":["sometimes-random"]}""", "none", "options[0]", "not an option" },
        { "unknown protocol", Dnat("\"protocol\":\"icmp\""), "none", "protocol", "not a protocol" },
        { "wrong JSON type", Dnat("\"enabled\":\"yes\""), "none", "enabled", "must be true or false" },
        { "interfaces not an array", Dnat("\"inInterfaces\":\"lan0\""), "none", "inInterfaces", "must be an array" },
        { "missing required target", """{"kind":"dnat","name":"x","inInterfaces":["lan0"],"protocol":"tcp","destinationPort":80}""", "none", "targetAddress", "is required" },
        { "malformed JSON", "{\"kind\":", "none", "", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Each_error_names_its_field(string @case, string json, string earlier, string field, string fragment)
    {
        NatRule[] earlierRules = earlier switch { "web" => [EarlierWeb], "range" => [EarlierRange], _ => [] };
        var result = NatRuleValidator.ValidateJson(json, earlierRules);
        Assert.False(result.IsValid, @case);
        var issue = Assert.Single(result.Errors, e => e.Field == field);
        Assert.Contains(fragment, issue.Message);
    }

    public static TheoryData<string, string, string, string> Warnings => new()
    {
        { "unknown interface", Dnat("\"inInterfaces\":[\"eth9\"]"), "inInterfaces[0]", "no interface 'eth9'" },
        { "SNAT to an address not on this host", """{"kind":"snat","name":"s","outInterfaces":["wan0"],"translateTo":"192.0.2.10"}""", "translateTo", "not an address of this host" },
        { "DNAT while forwarding is off", Web, "enabled", "IPv4 forwarding is off" },
        { "masquerade on an interface without address", """{"kind":"masquerade","name":"m","outInterfaces":["dummy0"]}""", "outInterfaces[0]", "has no IPv4 address" },
    };

    [Theory]
    [MemberData(nameof(Warnings))]
    public void Each_warning_names_its_field_and_still_allows_saving(string @case, string json, string field, string fragment)
    {
        var host = FakeHostFacts.Lab(forwarding: @case != "DNAT while forwarding is off");
        var result = NatRuleValidator.ValidateJson(json, [], host);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(field, warning.Field);
        Assert.Contains(fragment, warning.Message);
    }

    [Fact]
    public void A_correct_rule_on_a_correct_host_has_no_issues()
    {
        var result = NatRuleValidator.ValidateJson(Web, [], FakeHostFacts.Lab());
        Assert.Empty(result.Issues);
    }

    [Fact]
    public void Disabled_earlier_rules_neither_duplicate_nor_shadow()
    {
        var result = NatRuleValidator.ValidateJson(Web, [EarlierWeb with { Enabled = false }]);
        Assert.True(result.IsValid);
    }

    [Fact]
    public void A_narrower_earlier_rule_does_not_shadow_a_wider_later_one()
    {
        var wider = Dnat("\"destinationPort\":\"8000-9000\"");
        Assert.True(NatRuleValidator.ValidateJson(wider, [EarlierWeb]).IsValid);
    }

    [Fact]
    public void A_source_restricted_earlier_rule_does_not_shadow_an_unrestricted_one()
    {
        var restricted = NatRuleJson.Parse(Dnat("\"sourceCidrs\":[\"10.77.1.0/24\"]")).Rule!;
        Assert.True(NatRuleValidator.ValidateJson(Web, [restricted]).IsValid);
    }

    [Fact]
    public void All_field_problems_are_reported_together()
    {
        var result = NatRuleValidator.ValidateJson(Dnat("\"destinationPort\":0,\"targetAddress\":\"x\",\"protocol\":\"sctp\""), []);
        Assert.Equal(["destinationPort", "protocol", "targetAddress"], result.Errors.Select(e => e.Field).Order().ToArray());
        Assert.Equal(3, result.ErrorsByField().Count);
    }

    [Fact]
    public void ValidateAll_checks_each_rule_against_the_rules_before_it()
    {
        var first = NatRuleJson.Parse(Web).Rule!;
        var second = NatRuleJson.Parse(Web).Rule!;
        var results = NatRuleValidator.ValidateAll([first, second]);
        Assert.True(results[first.Id].IsValid);
        Assert.False(results[second.Id].IsValid);
    }
}
