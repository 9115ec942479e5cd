using NatGateway.Nat;
using Xunit;

namespace NatGateway.Nat.Tests.Domain;

/// <summary>
/// The validator's errors and warnings for 1:1 NAT, NPTv6 and redirect, from REST JSON in, each naming its field; and
/// shadowing between them and port forwards (a redirect or forward taken by an earlier rule, overlapping maps).
/// </summary>
public sealed class PrefixRedirectValidationTests
{
    private const string Map = """{"kind":"one-to-one","name":"map","outsideInterfaces":["lan0"],"insidePrefix":"10.77.2.4/30","outsidePrefix":"10.77.9.4/30","hairpin":false}""";
    private const string Npt = """{"kind":"nptv6","name":"npt","outsideInterfaces":["lan0"],"insidePrefix":"fd77:2::/64","outsidePrefix":"fd77:9::/64"}""";
    private const string Redirect = """{"kind":"redirect","name":"proxy","inInterfaces":["lan0"],"protocol":"tcp","destinationPort":"80","targetPort":"3128"}""";
    private const string Web = """{"kind":"dnat","name":"web","inInterfaces":["lan0"],"protocol":"tcp","destinationPort":"80","targetAddress":"10.77.2.2"}""";

    private static string With(string json, string overrides) => json[..^1] + "," + overrides + "}";
    private static NatRule Rule(string json, string name) => NatRuleJson.Parse(json).Rule! with { Name = name };

    public static TheoryData<string, string, string[], string, string> Errors => new()
    {
        { "1:1 of different lengths", With(Map, "\"outsidePrefix\":\"10.77.9.0/29\""), [], "outsidePrefix", "Outside prefix: /29 must be as long as the inside prefix /30" },
        { "1:1 of IPv6 prefixes", With(Map, "\"insidePrefix\":\"fd77:2::/64\",\"outsidePrefix\":\"fd77:9::/64\""), [], "family", "1:1 NAT translates IPv4 prefixes only" },
        { "1:1 mixing families", With(Map, "\"family\":\"ipv4\",\"outsidePrefix\":\"fd77:9::/126\""), [], "outsidePrefix", "this is an IPv6 address but the rule's family is IPv4" },
        { "NPTv6 of IPv4 prefixes", With(Npt, "\"insidePrefix\":\"10.77.2.0/24\""), [], "insidePrefix", "this is an IPv4 address but the rule's family is IPv6" },
        { "NPTv6 of different lengths", With(Npt, "\"outsidePrefix\":\"fd77:9::/48\""), [], "outsidePrefix", "/48 must be as long as the inside prefix /64" },
        { "1:1 of half the address space", With(Map, "\"insidePrefix\":\"0.0.0.0/1\",\"outsidePrefix\":\"128.0.0.0/1\""), [], "insidePrefix", "/1 is shorter than /8" },
        { "1:1 onto multicast", With(Map, "\"outsidePrefix\":\"224.0.0.4/30\""), [], "outsidePrefix", "includes a multicast address" },
        { "1:1 from loopback", With(Map, "\"insidePrefix\":\"127.0.0.4/30\""), [], "insidePrefix", "includes a loopback address" },
        { "1:1 onto itself", With(Map, "\"outsidePrefix\":\"10.77.2.4/30\""), [], "outsidePrefix", "overlaps the inside prefix 10.77.2.4/30" },
        { "1:1 without outside interface", With(Map, "\"outsideInterfaces\":[]"), [], "outsideInterfaces", "Outside interfaces: name at least one interface" },
        { "1:1 with a bad prefix", With(Map, "\"insidePrefix\":\"10.77.2.5/30\""), [], "insidePrefix", "has host bits set" },
        { "1:1 without its outside prefix", """{"kind":"one-to-one","name":"m","outsideInterfaces":["lan0"],"insidePrefix":"10.77.2.4/30"}""", [], "outsidePrefix", "Outside prefix is required" },
        { "1:1 with a port", With(Map, "\"destinationPort\":\"80\""), [], "destinationPort", "unknown field for a one-to-one rule" },
        { "outside prefixes overlap", With(Map, "\"insidePrefix\":\"10.77.3.0/24\",\"outsidePrefix\":\"10.77.9.0/24\""), [Map], "outsidePrefix", "overlaps the outside prefix 10.77.9.4/30 of the earlier rule 'earlier'" },
        { "inside prefixes overlap", With(Map, "\"outsidePrefix\":\"10.77.8.4/30\""), [Map], "insidePrefix", "overlaps the inside prefix 10.77.2.4/30 of the earlier rule 'earlier'" },
        { "outside prefixes overlap on a wildcard", With(Map, "\"outsideInterfaces\":[\"la*\"],\"insidePrefix\":\"10.77.3.4/30\""), [Map], "outsidePrefix", "of the earlier rule 'earlier'" },
        { "redirect range widths differ", With(Redirect, "\"destinationPort\":\"8000-8002\",\"targetPort\":\"9000-9005\""), [], "targetPort", "Target port: range widths differ" },
        { "redirect to a range from one port", With(Redirect, "\"targetPort\":\"9000-9002\""), [], "targetPort", "needs a destination port range" },
        { "redirect without interface", With(Redirect, "\"inInterfaces\":[]"), [], "inInterfaces", "name at least one interface" },
        { "redirect of an IPv6 destination in an IPv4 rule", With(Redirect, "\"family\":\"ipv4\",\"destinationAddress\":\"fd77:2::2\""), [], "destinationAddress", "this is an IPv6 address but the rule's family is IPv4" },
        { "redirect with a target address", With(Redirect, "\"targetAddress\":\"10.0.0.1\""), [], "targetAddress", "unknown field for a redirect rule" },
        { "redirect duplicating an earlier one", Redirect, [Redirect], "destinationPort", "duplicates the earlier rule 'earlier'" },
        { "redirect shadowed by a forward", With(Redirect, "\"destinationAddress\":\"10.77.1.1\""), [With(Web, "\"destinationAddress\":\"10.77.1.1\",\"destinationPort\":\"1-1024\"")], "destinationPort", "shadowed by the earlier rule 'earlier'" },
        { "forward to an address shadowed by a redirect of any destination", With(Web, "\"destinationAddress\":\"10.77.1.1\""), [Redirect], "destinationPort", "shadowed by the earlier rule 'earlier'" },
        { "forward to an address a 1:1 map takes", With(Web, "\"destinationAddress\":\"10.77.9.5\""), [Map], "destinationAddress", "10.77.9.5 is in the outside prefix 10.77.9.4/30 of the earlier rule 'earlier'" },
        { "redirect of an address a reflecting map takes on every interface", With(Redirect, "\"inInterfaces\":[\"wan0\"],\"destinationAddress\":\"10.77.9.6\""), [With(Map, "\"hairpin\":true")], "destinationAddress", "in the outside prefix" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Each_error_names_its_field(string @case, string json, string[] earlier, string field, string fragment)
    {
        var earlierRules = earlier.Select(e => Rule(e, "earlier")).ToArray();
        var result = NatRuleValidator.ValidateJson(json, earlierRules);
        Assert.False(result.IsValid, @case);
        var issue = Assert.Single(result.Errors, e => e.Field == field);
        Assert.Contains(fragment, issue.Message);
        Assert.DoesNotMatch(@"\[\d+\]|[a-z]+[A-Z][a-z]+", issue.Message.Replace("'destinationPort'", "").Replace("'targetAddress'", ""));
        // The indexed validation of the same list says the same.
        var rule = NatRuleJson.Parse(json).Rule;
        if (rule is not null)
        {
            var all = NatRuleValidator.ValidateAll([.. earlierRules, rule]);
            Assert.Equal(result.Issues.Select(i => i.ToString()), all[rule.Id].Issues.Select(i => i.ToString()));
        }
    }

    public static TheoryData<string, string[]> Valid => new()
    {
        { Map, [] },
        { With(Map, "\"insidePrefix\":\"10.77.2.9\",\"outsidePrefix\":\"10.77.9.9\",\"hairpin\":true"), [] },
        { Npt, [] },
        { Redirect, [] },
        { With(Redirect, "\"protocol\":\"both\",\"destinationPort\":\"8000-8002\",\"targetPort\":\"9000-9002\",\"sourceCidrs\":[\"10.77.1.0/24\"]"), [] },
        // The same inside network mapped on another uplink: no shared interface, no clash.
        { With(Map, "\"outsideInterfaces\":[\"wan1\"],\"outsidePrefix\":\"10.77.8.4/30\""), [Map] },
        // A forward to the local address is not taken by a map of other addresses; a narrower earlier redirect shadows nothing.
        { Web, [With(Map, "\"hairpin\":true")] },
        { Redirect, [With(Redirect, "\"sourceCidrs\":[\"10.77.1.2\"]")] },
        // A redirect of any destination is not taken whole by a forward of the local addresses only.
        { Redirect, [Web] },
        // A redirect to one address does not shadow a forward to the local addresses.
        { Web, [With(Redirect, "\"destinationAddress\":\"10.77.2.2\"")] },
        // A disabled earlier map takes nothing.
        { With(Web, "\"destinationAddress\":\"10.77.9.5\""), [With(Map, "\"enabled\":false")] },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Correct_rules_have_no_errors(string json, string[] earlier)
    {
        var result = NatRuleValidator.ValidateJson(json, earlier.Select((e, i) => Rule(e, $"earlier{i}")).ToArray());
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
    }

    public static TheoryData<string, string, string, string> Warnings => new()
    {
        { "1:1 on an unknown interface", With(Map, "\"outsideInterfaces\":[\"eth9\"]"), "outsideInterfaces[0]", "Outside interface 1: no interface 'eth9' on this host" },
        { "redirect on a wildcard", With(Redirect, "\"inInterfaces\":[\"la*\"]"), "inInterfaces[0]", "the wildcard 'la*' matches 1 current interface(s): lan0" },
        { "1:1 while forwarding is off", Map, "enabled", "IPv4 forwarding is off" },
        { "NPTv6 while forwarding is off", Npt, "enabled", "IPv6 forwarding is off" },
    };

    [Theory]
    [MemberData(nameof(Warnings))]
    public void Each_warning_names_its_field_and_still_allows_saving(string @case, string json, string field, string fragment)
    {
        var host = FakeHostFacts.Lab(forwarding: !@case.EndsWith("forwarding is off"));
        var result = NatRuleValidator.ValidateJson(json, [], host);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(field, warning.Field);
        Assert.Contains(fragment, warning.Message);
    }

    [Fact]
    public void A_redirect_needs_no_forwarding()
    {
        Assert.Empty(NatRuleValidator.ValidateJson(Redirect, [], FakeHostFacts.Lab(forwarding: false)).Issues);
    }
}
