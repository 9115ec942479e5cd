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
    private static string Masq(string interfaces) => $$"""{"kind":"masquerade","name":"m","outInterfaces":{{interfaces}}}""";

    /// <summary>(case, json, earlier rules: none/web/range, field (the JSON path API clients key on), the message in words)</summary>
    public static TheoryData<string, string, string, string, string> Errors => new()
    {
        { "bad target address", Dnat("\"targetAddress\":\"10.0.0.300\""), "none", "targetAddress", "Target address: '10.0.0.300' is not an IP address" },
        { "bad destination address", Dnat("\"destinationAddress\":\"gateway\""), "none", "destinationAddress", "Destination address: 'gateway' is not an IP address" },
        { "bad CIDR prefix length", Dnat("\"sourceCidrs\":[\"10.0.0.0/33\"]"), "none", "sourceCidrs[0]", "Source CIDR 1: '10.0.0.0/33' has an invalid prefix length (0..32)" },
        { "CIDR with host bits", Dnat("\"sourceCidrs\":[\"10.77.1.0/24\",\"10.0.0.1/8\"]"), "none", "sourceCidrs[1]", "Source CIDR 2: '10.0.0.1/8' has host bits set" },
        { "garbage CIDR", """{"kind":"masquerade","name":"m","outInterfaces":["wan0"],"sourceCidrs":["ten/8"]}""", "none", "sourceCidrs[0]", "Source CIDR 1: 'ten/8' is not an IP address or CIDR" },
        { "port 0 as number", Dnat("\"destinationPort\":0"), "none", "destinationPort", "Destination port: port 0 is outside 1..65535" },
        { "port 0 as string", Dnat("\"targetPort\":\"0\""), "none", "targetPort", "Target port: port 0 is outside 1..65535" },
        { "port above 65535", Dnat("\"destinationPort\":\"70000\""), "none", "destinationPort", "Destination port: port 70000 is outside 1..65535" },
        { "port above 65535 as number", Dnat("\"destinationPort\":65536"), "none", "destinationPort", "outside 1..65535" },
        { "port not a number", Dnat("\"destinationPort\":\"http\""), "none", "destinationPort", "Destination port: 'http' is not a port" },
        { "reversed port range", Dnat("\"destinationPort\":\"2000-1000\""), "none", "destinationPort", "Destination port: reversed range" },
        { "reversed address range", """{"kind":"snat","name":"s","outInterfaces":["wan0"],"translateTo":"10.77.2.12-10.77.2.10"}""", "none", "translateTo", "Translate to: reversed range" },
        { "mismatched range widths", Dnat("\"destinationPort\":\"1000-1010\",\"targetPort\":\"2000-2005\""), "none", "targetPort", "Target port: range widths differ" },
        { "target range for one port", Dnat("\"targetPort\":\"80-90\""), "none", "targetPort", "needs a destination port range" },
        { "family mismatch target", Dnat("\"family\":\"ipv4\",\"targetAddress\":\"fd77:2::2\""), "none", "targetAddress", "Target address: this is an IPv6 address but the rule's family is IPv4" },
        { "family mismatch source", """{"kind":"snat","name":"s","family":"ipv6","outInterfaces":["wan0"],"sourceCidrs":["10.0.0.0/8"],"translateTo":"fd77:2::1"}""", "none", "sourceCidrs[0]", "Source CIDR 1: this is an IPv4 address but the rule's family is IPv6" },
        { "duplicate forward", Web, "web", "destinationPort", "duplicates the earlier rule 'earlier'" },
        { "shadowed forward", Web, "range", "destinationPort", "shadowed by the earlier rule 'wide'" },
        { "missing name", Dnat("\"name\":\"\""), "none", "name", "Name is required" },
        { "blank name", Dnat("\"name\":\"   \""), "none", "name", "Name is required" },
        { "absent name", """{"kind":"masquerade","outInterfaces":["wan0"]}""", "none", "name", "Name is required" },
        { "name over 64 characters", Dnat($"\"name\":\"{new string('n', 65)}\""), "none", "name", "Name is longer than 64 characters (65)" },
        { "name with a lone surrogate", Dnat("\"name\":\"a\\ud800\""), "none", "name", "Name contains a broken Unicode character" },
        { "interface with a lone surrogate", Dnat("\"inInterfaces\":[\"\\udc00\"]"), "none", "inInterfaces[0]", "Input interface 1 contains a broken Unicode character" },
        { "target with a lone surrogate", Dnat("\"targetAddress\":\"10.0.0.1\\ud800\""), "none", "targetAddress", "Target address contains a broken Unicode character" },
        { "name with a line break", Dnat("\"name\":\"a\\nb\""), "none", "name", "Name must be one line of text" },
        { "name already used, other case", Dnat("\"name\":\"EARLIER\",\"destinationPort\":\"9999\""), "web", "name", "Name 'EARLIER' is already used by another rule ('earlier')" },
        { "missing kind", """{"name":"x"}""", "none", "kind", "Rule kind is required" },
        { "unknown kind", """{"kind":"nat64","name":"x"}""", "none", "kind", "Rule kind: 'nat64' is not a rule kind" },
        { "unknown field", Dnat("\"destPort\":\"80\""), "none", "destPort", "Field 'destPort' is an unknown field for a dnat rule" },
        { "field of another kind", """{"kind":"masquerade","name":"m","outInterfaces":["wan0"],"hairpin":true}""", "none", "hairpin", "unknown field" },
        { "ports without protocol", """{"kind":"masquerade","name":"m","outInterfaces":["wan0"],"ports":"1024-65535"}""", "none", "ports", "Port range: a port range needs a protocol" },
        { "no interfaces", Dnat("\"inInterfaces\":[]"), "none", "inInterfaces", "Input interfaces: name at least one interface" },
        { "interface with a space", Masq("[\"wan 0\"]"), "none", "outInterfaces[0]", "Output interface 1: 'wan 0' contains a space" },
        { "interface of 16 characters (IFNAMSIZ)", Masq("[\"abcdefghijklmnop\"]"), "none", "outInterfaces[0]", "longer than 15 characters" },
        { "interface with a slash", Masq("[\"wan/0\"]"), "none", "outInterfaces[0]", "contains '/'" },
        { "interface with a colon (an alias label)", Masq("[\"wan0:1\"]"), "none", "outInterfaces[0]", "contains ':'" },
        { "interface named dot", Masq("[\".\"]"), "none", "outInterfaces[0]", "'.' is not allowed" },
        { "interface named dot dot", Masq("[\"..\"]"), "none", "outInterfaces[0]", "'..' is not allowed" },
        { "interface with a quote", Masq("[\"wan\\\"0\"]"), "none", "outInterfaces[0]", "contains '\"'" },
        { "empty interface", Masq("[\"\"]"), "none", "outInterfaces[0]", "Output interface 1: is empty" },
        { "bare wildcard", Masq("[\"*\"]"), "none", "outInterfaces[0]", "'*' alone would match every interface" },
        { "wildcard inside a name", Dnat("\"inInterfaces\":[\"lan0\",\"e*h\"]"), "none", "inInterfaces[1]", "Input interface 2: 'e*h' has '*' inside the name" },
        { "interface twice", Masq("[\"wan0\",\"wan0\"]"), "none", "outInterfaces[1]", "Output interface 2: 'wan0' is listed twice" },
        { "interface not text", Masq("[\"wan0\",5]"), "none", "outInterfaces[1]", "Output interface 2 must be text, not the number 5" },
        { "DNAT to everything", Dnat("\"targetAddress\":\"0.0.0.0/0\""), "none", "targetAddress", "Target address: '0.0.0.0/0' is a network, not a host" },
        { "DNAT to a network", Dnat("\"targetAddress\":\"10.77.2.0/30\""), "none", "targetAddress", "is a network, not a host" },
        { "DNAT to 0.0.0.0", Dnat("\"targetAddress\":\"0.0.0.0\""), "none", "targetAddress", "'0.0.0.0' is the unspecified" },
        { "DNAT to ::", Dnat("\"targetAddress\":\"::\""), "none", "targetAddress", "'::' is the unspecified address" },
        { "DNAT to broadcast", Dnat("\"targetAddress\":\"255.255.255.255\""), "none", "targetAddress", "is a reserved or broadcast address" },
        { "DNAT to multicast", Dnat("\"targetAddress\":\"239.1.2.3\""), "none", "targetAddress", "is a multicast address" },
        { "DNAT to IPv6 multicast", Dnat("\"targetAddress\":\"ff02::1\""), "none", "targetAddress", "is a multicast address" },
        { "DNAT to loopback", Dnat("\"targetAddress\":\"127.0.0.1\""), "none", "targetAddress", "is a loopback address" },
        { "DNAT to IPv6 loopback", Dnat("\"targetAddress\":\"::1\""), "none", "targetAddress", "is the loopback address" },
        { "DNAT range reaching multicast", Dnat("\"targetAddress\":\"223.255.255.250-224.0.0.5\""), "none", "targetAddress", "the range '223.255.255.250-224.0.0.5' includes a multicast address" },
        { "unknown option", """{"kind":"masquerade","name":"m","outInterfaces":["wan0"],"options":["sometimes-random"]}""", "none", "options[0]", "Option 1: 'sometimes-random' is not an option" },
        { "unknown protocol", Dnat("\"protocol\":\"icmp\""), "none", "protocol", "Protocol: 'icmp' is not a protocol" },
        { "wrong JSON type", Dnat("\"enabled\":\"yes\""), "none", "enabled", "Enabled must be true or false" },
        { "interfaces not an array", Dnat("\"inInterfaces\":\"lan0\""), "none", "inInterfaces", "Input interfaces must be a list" },
        { "missing required target", """{"kind":"dnat","name":"x","inInterfaces":["lan0"],"protocol":"tcp","destinationPort":80}""", "none", "targetAddress", "Target address is required" },
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
        // Messages are words: no JSON paths such as "inInterfaces[0]" or bare property names.
        Assert.DoesNotMatch(@"\[\d+\]|[a-z]+[A-Z][a-z]+", issue.Message.Replace("'destPort'", ""));
    }

    [Fact]
    public void The_empty_name_is_reported_together_with_every_other_field_error()
    {
        var result = NatRuleValidator.ValidateJson(Dnat("\"name\":\"\",\"destinationPort\":0,\"sourceCidrs\":[\"10.0.0.0/33\"],\"inInterfaces\":[\"*\"],\"targetAddress\":\"0.0.0.0/0\""), []);
        Assert.Equal(["destinationPort", "inInterfaces[0]", "name", "sourceCidrs[0]", "targetAddress"], result.Errors.Select(e => e.Field).Order().ToArray());
    }

    [Fact]
    public void Wildcards_with_a_prefix_are_valid_and_a_range_of_unicast_hosts_is_a_valid_target()
    {
        Assert.True(NatRuleValidator.ValidateJson(Masq("[\"wa*\",\"lan0\"]"), []).IsValid);
        Assert.True(NatRuleValidator.ValidateJson(Dnat("\"inInterfaces\":[\"la*\"],\"targetAddress\":\"10.77.2.2-10.77.2.4\""), []).IsValid);
        Assert.True(NatRuleValidator.ValidateJson(Dnat("\"targetAddress\":\"10.77.2.2/32\""), []).IsValid);
        Assert.True(NatRuleValidator.ValidateJson(Masq($"[\"{new string('a', 14)}*\"]"), []).IsValid);
    }

    [Fact]
    public void Names_are_unique_ignoring_case_in_a_list_and_against_later_rules()
    {
        var first = NatRuleJson.Parse(Masq("[\"wan0\"]")).Rule! with { Name = "Uplink" };
        var second = NatRuleJson.Parse(Masq("[\"lan0\"]")).Rule! with { Name = "uplink" };
        var results = NatRuleValidator.ValidateAll([first, second]);
        Assert.True(results[first.Id].IsValid);
        Assert.Equal("name", Assert.Single(results[second.Id].Errors).Field);
        // Saving the first rule of a list checks the rules after it too.
        Assert.Equal("name", Assert.Single(NatRuleValidator.Validate(first, [], laterRules: [second]).Errors).Field);
        // A rule never clashes with itself (an edit that keeps its name).
        Assert.True(NatRuleValidator.Validate(first, [first]).IsValid);
    }

    public static TheoryData<string, string, string, string> Warnings => new()
    {
        { "unknown interface", Dnat("\"inInterfaces\":[\"eth9\"]"), "inInterfaces[0]", "Input interface 1: no interface 'eth9' on this host" },
        { "wildcard matching an interface", Masq("[\"wa*\"]"), "outInterfaces[0]", "Output interface 1: the wildcard 'wa*' matches 1 current interface(s): wan0" },
        { "wildcard matching nothing", Masq("[\"eth*\"]"), "outInterfaces[0]", "the wildcard 'eth*' matches no current interface" },
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
        var restricted = NatRuleJson.Parse(Dnat("\"sourceCidrs\":[\"10.77.1.0/24\"]")).Rule! with { Name = "restricted" };
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
