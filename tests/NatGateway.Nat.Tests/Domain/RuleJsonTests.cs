using System.Text.Json;
using System.Text.Json.Nodes;
using NatGateway.Nat;
using Xunit;

namespace NatGateway.Nat.Tests.Domain;

/// <summary>The REST shape: the issue's example parses, every kind round-trips, ports come as numbers or strings.</summary>
public sealed class RuleJsonTests
{
    [Fact]
    public void The_issue_example_parses_into_a_dnat_rule()
    {
        var json = """{"kind": "dnat", "name": "web", "enabled": true, "inInterfaces": ["eth0"], "protocol": "tcp", "sourceCidrs": [], "destinationAddress": null, "destinationPort": "8080", "targetAddress": "10.0.0.2", "targetPort": "80", "hairpin": false}""";
        var rule = Assert.IsType<DnatRule>(NatRuleJson.Parse(json).Rule);
        Assert.Equal("web", rule.Name);
        Assert.Equal(["eth0"], rule.InInterfaces);
        Assert.Equal(NatProtocol.Tcp, rule.Protocol);
        Assert.Null(rule.DestinationAddress);
        Assert.Equal(new PortRange(8080), rule.DestinationPort);
        Assert.Equal("10.0.0.2", rule.TargetAddress.ToString());
        Assert.Equal(new PortRange(80), rule.TargetPort);
        Assert.Equal(NatFamily.Ipv4, rule.Family);
    }

    [Theory]
    [InlineData("""{"kind":"masquerade","name":"m","outInterfaces":["wan0"],"sourceCidrs":["10.77.1.0/24"],"protocol":"udp","ports":"1024-2048","options":["random","persistent"]}""")]
    [InlineData("""{"kind":"snat","name":"s","outInterfaces":["wan0","wan1"],"sourceCidrs":[],"destinationCidrs":["192.0.2.0/24"],"protocol":"both","translateTo":"10.77.2.10-10.77.2.12","ports":"2000-3000","options":["fully-random"]}""")]
    [InlineData("""{"kind":"snat","name":"p","outInterfaces":["wan0"],"translateTo":"10.77.2.8/30"}""")]
    [InlineData("""{"kind":"dnat","name":"d","inInterfaces":["lan0"],"protocol":"both","sourceCidrs":["10.77.1.2"],"destinationAddress":"10.77.1.1","destinationPort":"9000-9010","targetAddress":"10.77.2.2-10.77.2.3","targetPort":"100-110","hairpin":true}""")]
    [InlineData("""{"kind":"dnat","name":"v6","inInterfaces":["lan0"],"protocol":"tcp","destinationPort":80,"targetAddress":"fd77:2::2"}""")]
    [InlineData("""{"kind":"one-to-one","name":"o","family":"ipv4","outsideInterfaces":["wan0","wan1"],"insidePrefix":"10.0.0.0/24","outsidePrefix":"192.0.2.0/24","hairpin":true}""")]
    [InlineData("""{"kind":"one-to-one","name":"h","outsideInterfaces":["wan0"],"insidePrefix":"10.0.0.7","outsidePrefix":"192.0.2.7","hairpin":false}""")]
    [InlineData("""{"kind":"nptv6","name":"n","family":"ipv6","outsideInterfaces":["wan0"],"insidePrefix":"fd00:1::/64","outsidePrefix":"2001:db8:1::/64","hairpin":false}""")]
    [InlineData("""{"kind":"redirect","name":"r","inInterfaces":["lan0"],"protocol":"both","sourceCidrs":["10.0.0.0/8"],"destinationAddress":"10.0.0.1","destinationPort":"8000-8002","targetPort":"9000-9002"}""")]
    [InlineData("""{"kind":"redirect","name":"k","inInterfaces":["lan0"],"protocol":"udp","destinationAddress":null,"destinationPort":53,"targetPort":null}""")]
    public void Every_kind_round_trips_and_keeps_every_field(string json)
    {
        var rule = NatRuleJson.Parse(json).Rule!;
        var written = NatRuleJson.Serialize(rule);
        var again = NatRuleJson.Parse(written).Rule!;
        Assert.Equal(written, NatRuleJson.Serialize(again));
        var input = JsonNode.Parse(json)!.AsObject();
        var output = JsonNode.Parse(written)!.AsObject();
        foreach (var (name, value) in input)
        {
            var expected = value is JsonValue v && v.TryGetValue<int>(out var n) ? JsonValue.Create(n.ToString()) : value;
            Assert.True(JsonNode.DeepEquals(expected, output[name]), $"{name}: {value?.ToJsonString()} became {output[name]?.ToJsonString()}");
        }
    }

    [Fact]
    public void Ports_are_accepted_as_numbers_or_strings_and_written_as_strings()
    {
        var asNumber = (DnatRule)NatRuleJson.Parse("""{"kind":"dnat","name":"x","inInterfaces":["lan0"],"protocol":"tcp","destinationPort":8080,"targetAddress":"10.0.0.2","targetPort":80}""").Rule!;
        var asString = (DnatRule)NatRuleJson.Parse("""{"kind":"dnat","name":"x","inInterfaces":["lan0"],"protocol":"tcp","destinationPort":"8080","targetAddress":"10.0.0.2","targetPort":"80"}""").Rule!;
        Assert.Equal(asNumber.DestinationPort, asString.DestinationPort);
        Assert.Equal(asNumber.TargetPort, asString.TargetPort);
        Assert.Equal("8080", JsonNode.Parse(NatRuleJson.Serialize(asNumber))!["destinationPort"]!.GetValue<string>());
    }

    [Fact]
    public void Family_is_inferred_from_addresses_when_absent()
    {
        var rule = NatRuleJson.Parse("""{"kind":"snat","name":"s","outInterfaces":["wan0"],"translateTo":"fd77:2::1"}""").Rule!;
        Assert.Equal(NatFamily.Ipv6, rule.Family);
    }

    [Fact]
    public void JsonSerializer_reads_and_writes_polymorphic_lists_through_the_kind_discriminator()
    {
        var json = """[{"kind":"masquerade","name":"m","outInterfaces":["wan0"]},{"kind":"dnat","name":"d","inInterfaces":["lan0"],"protocol":"udp","destinationPort":53,"targetAddress":"10.77.2.2"}]""";
        var rules = JsonSerializer.Deserialize<List<NatRule>>(json, NatRuleJson.Options)!;
        Assert.IsType<MasqueradeRule>(rules[0]);
        Assert.IsType<DnatRule>(rules[1]);
        var written = JsonSerializer.Serialize<IReadOnlyList<NatRule>>(rules, NatRuleJson.Options);
        Assert.Equal(["masquerade", "dnat"], JsonNode.Parse(written)!.AsArray().Select(n => n!["kind"]!.GetValue<string>()).ToArray());
    }

    [Fact]
    public void JsonSerializer_reports_every_bad_field_in_one_exception()
    {
        var json = """{"kind":"dnat","name":"d","inInterfaces":["lan0"],"protocol":"tcp","destinationPort":"0","targetAddress":"10.0.0.999"}""";
        var error = Assert.Throws<NatRuleJsonException>(() => JsonSerializer.Deserialize<NatRule>(json, NatRuleJson.Options));
        Assert.Equal(["destinationPort", "targetAddress"], error.Issues.Select(i => i.Field).Order().ToArray());
        Assert.Contains("destinationPort", error.Message);
    }

    [Fact]
    public void Common_fields_round_trip()
    {
        var created = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var rule = Rules.Masquerade(7) with { Description = "uplink", Enabled = false, Position = 3, CreatedAt = created, UpdatedAt = created.AddDays(1), CreatedBy = "alice", UpdatedBy = null };
        var again = (MasqueradeRule)NatRuleJson.Parse(NatRuleJson.Serialize(rule)).Rule!;
        Assert.Equal((rule.Id, rule.Description, rule.Enabled, rule.Position, rule.CreatedAt, rule.UpdatedAt, rule.CreatedBy, rule.UpdatedBy, rule.MarkId),
            (again.Id, again.Description, again.Enabled, again.Position, again.CreatedAt, again.UpdatedAt, again.CreatedBy, again.UpdatedBy, again.MarkId));
        Assert.Equal(NatRuleJson.Serialize(rule), NatRuleJson.Serialize(again));
    }

    [Theory]
    [InlineData("2026-01-02T03:04:05Z")]
    [InlineData("2026-01-02T03:04:05.1234567+02:00")]
    [InlineData("2026-01-02T03:04:05-05:30")]
    [InlineData("2026-01-02T03:04:05")] // no offset: read as UTC
    [InlineData("2026-01-02 03:04:05Z")] // not ISO 8601's T: the general parse
    [InlineData("2026-01-02")]
    [InlineData("Fri, 02 Jan 2026 03:04:05 GMT")]
    public void A_date_is_read_as_DateTimeOffset_TryParse_reads_it_assuming_UTC_whichever_parser_takes_it(string text)
    {
        Assert.True(DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var expected));
        var rule = NatRuleJson.Parse($$"""{"kind":"masquerade","name":"m","outInterfaces":["wan0"],"createdAt":"{{text}}"}""").Rule!;
        Assert.Equal((expected.UtcTicks, expected.Offset), (rule.CreatedAt.UtcTicks, rule.CreatedAt.Offset));
    }

    [Fact]
    public void A_date_that_is_none_is_a_field_error()
    {
        var result = NatRuleJson.Parse("""{"kind":"masquerade","name":"m","outInterfaces":["wan0"],"updatedAt":"2026-13-02T03:04:05Z"}""");
        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Field == "updatedAt" && e.Message.Contains("is not an ISO 8601 date/time"));
    }

    [Fact]
    public void Repeated_field_names_are_read_as_JSON_readers_do_the_last_one_wins()
    {
        var rule = NatRuleJson.Parse("""{"kind":"masquerade","name":"first","outInterfaces":["wan0"],"name":"second"}""").Rule!;
        Assert.Equal("second", rule.Name);
    }

    [Fact]
    public void New_rule_ids_are_random_version_4_guids_unique_across_threads()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 2_000; i++) ids.Add(new MasqueradeRule { Name = "m" }.Id);
        });
        Assert.Equal(16_000, ids.Distinct().Count());
        // RFC 9562: version 4 (the 13th hex digit) and variant 10 (the 17th digit is 8, 9, a or b).
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id.ToString()));
        Assert.Equal(4, ids.First().Version);
    }

    [Fact]
    public void Nptv6_is_always_ipv6_and_one_to_one_takes_the_family_of_its_prefixes()
    {
        Assert.Equal(NatFamily.Ipv6, NatRuleJson.Parse("""{"kind":"nptv6","name":"n","outsideInterfaces":["wan0"],"insidePrefix":"fd00:1::/64","outsidePrefix":"2001:db8:1::/64"}""").Rule!.Family);
        Assert.Equal(NatFamily.Ipv4, NatRuleJson.Parse("""{"kind":"one-to-one","name":"o","outsideInterfaces":["wan0"],"insidePrefix":"10.0.0.0/24","outsidePrefix":"192.0.2.0/24"}""").Rule!.Family);
        Assert.IsType<RedirectRule>(NatRuleJson.Parse("""{"kind":"redirect","name":"r","inInterfaces":["lan0"],"protocol":"tcp","destinationPort":80}""").Rule);
    }

    [Theory]
    [InlineData("""{"kind":"one-to-one","name":"o","outsideInterfaces":["wan0"],"insidePrefix":"10.0.0.0/24"}""", "outsidePrefix", "Outside prefix is required")]
    [InlineData("""{"kind":"one-to-one","name":"o","outsideInterfaces":["wan0"],"insidePrefix":"ten","outsidePrefix":"192.0.2.0/24"}""", "insidePrefix", "Inside prefix: 'ten' is not an IP address or CIDR")]
    [InlineData("""{"kind":"nptv6","name":"n","outsideInterfaces":"wan0","insidePrefix":"fd00:1::/64","outsidePrefix":"2001:db8:1::/64"}""", "outsideInterfaces", "Outside interfaces must be a list")]
    [InlineData("""{"kind":"nptv6","name":"n","outsideInterfaces":["wan0"],"insidePrefix":"fd00:1::/64","outsidePrefix":"2001:db8:1::/64","hairpin":"yes"}""", "hairpin", "must be true or false")]
    [InlineData("""{"kind":"nptv6","name":"n","outsideInterfaces":["wan0"],"insidePrefix":"fd00:1::/64","outsidePrefix":"2001:db8:1::/64","protocol":"tcp"}""", "protocol", "unknown field for a nptv6 rule")]
    [InlineData("""{"kind":"redirect","name":"r","inInterfaces":["lan0"],"protocol":"tcp"}""", "destinationPort", "Destination port is required")]
    [InlineData("""{"kind":"redirect","name":"r","inInterfaces":["lan0"],"protocol":"tcp","destinationPort":80,"targetPort":"x"}""", "targetPort", "Target port: 'x' is not a port")]
    [InlineData("""{"kind":"redirect","name":"r","inInterfaces":["lan0"],"protocol":"tcp","destinationPort":80,"hairpin":true}""", "hairpin", "unknown field for a redirect rule")]
    public void New_kinds_report_bad_fields_by_name(string json, string field, string fragment)
    {
        var parsed = NatRuleJson.Parse(json);
        Assert.False(parsed.Success);
        Assert.Contains(fragment, Assert.Single(parsed.Errors, e => e.Field == field).Message);
    }

    private const string Balanced = """{"kind":"load-balance","name":"lb","inInterfaces":["wan0"],"protocol":"tcp","destinationPort":80,"method":"round-robin","backends":[{"address":"10.0.0.2"},""";

    [Theory]
    [InlineData(Balanced + """{"address":"ten"}]}""", "backends[1].address", "Backend 2 address: 'ten' is not an IP address")]
    [InlineData(Balanced + """{"address":"10.0.0.3","port":0}]}""", "backends[1].port", "Backend 2 port must be a whole number 1..65535, not 0")]
    [InlineData(Balanced + """{"address":"10.0.0.3","weight":"x"}]}""", "backends[1].weight", "Backend 2 weight must be a whole number 1..100")]
    [InlineData(Balanced + """{"port":81}]}""", "backends[1].address", "Backend 2 address is required")]
    [InlineData(Balanced + """{"address":"10.0.0.3","color":"red"}]}""", "backends[1].color", "Backend 2: 'color' is an unknown field for a backend")]
    [InlineData(Balanced + """7]}""", "backends[1]", "Backend 2 must be an object with an address")]
    [InlineData("""{"kind":"masquerade","name":"m","outInterfaces":["wan0"],"timeouts":{"tcpEstablished":"long"}}""", "timeouts.tcpEstablished", "TCP established timeout must be a whole number")]
    [InlineData("""{"kind":"masquerade","name":"m","outInterfaces":["wan0"],"timeouts":{"udpReplied":1.5}}""", "timeouts.udpReplied", "UDP replied timeout must be a whole number")]
    [InlineData("""{"kind":"masquerade","name":"m","outInterfaces":["wan0"],"timeouts":{"icmp":5}}""", "timeouts.icmp", "Conntrack timeouts: 'icmp' is not a timeout")]
    public void Nested_fields_are_named_by_path_and_labelled_in_words(string json, string field, string start)
    {
        var parsed = NatRuleJson.Parse(json);
        Assert.False(parsed.Success);
        var message = Assert.Single(parsed.Errors, e => e.Field == field).Message;
        Assert.StartsWith(start, message);
        Assert.DoesNotContain("Field '", message);
    }

    [Fact]
    public void Labels_name_backend_fields_by_their_row()
    {
        Assert.Equal("Backend 2 address", RuleFieldLabels.Of("backends[1].address"));
        Assert.Equal("Backend 1 weight", RuleFieldLabels.Of("backends[0].weight"));
        Assert.Equal("TCP established timeout", RuleFieldLabels.Of("timeouts.tcpEstablished"));
        Assert.Equal("Field 'backends[0].color'", RuleFieldLabels.Of("backends[0].color"));
    }
}
