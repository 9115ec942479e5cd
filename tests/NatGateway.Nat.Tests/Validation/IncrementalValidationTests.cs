using System.Net;
using NatGateway.Nat;
using Xunit;

namespace NatGateway.Nat.Tests.Validation;

/// <summary>
/// The indexed validation (<see cref="NatRuleValidator.ValidateAll"/> over <see cref="RuleValidationIndex"/>, and one rule
/// at a time through <see cref="RuleValidationIndex.Context"/>) finds exactly what the full quadratic validator finds —
/// the same duplicates, shadows and name clashes, with the same messages in the same order — over 2,000 random lists
/// drawn from small pools so that clashes, duplicates, shadows, port ranges, "both" and disabled rules are frequent,
/// redirects (with and without an address) among the forwards, and 1:1/NPTv6 maps whose prefixes overlap each other
/// and hold the forwards' addresses.
/// </summary>
public sealed class IncrementalValidationTests
{
    /// <summary>The validator as it was before the index: every rule against a copy of ALL the rules before it.</summary>
    private static Dictionary<Guid, ValidationResult> Reference(IReadOnlyList<NatRule> rules) =>
        rules.Select((rule, index) => (rule, index))
            .ToDictionary(x => x.rule.Id, x => NatRuleValidator.Validate(x.rule, rules.Take(x.index).ToArray()));

    [Fact]
    public void Indexed_validation_equals_the_full_validator_over_2000_random_lists()
    {
        var random = new Random(12_2026);
        int duplicates = 0, shadows = 0, clashes = 0, prefixes = 0, redirects = 0;
        for (var list = 0; list < 2000; list++)
        {
            var rules = RandomList(random, random.Next(1, 40));
            var expected = Reference(rules);
            var actual = NatRuleValidator.ValidateAll(rules);
            Assert.Equal(expected.Keys, actual.Keys);
            foreach (var rule in rules)
            {
                Assert.Equal(Lines(expected[rule.Id]), Lines(actual[rule.Id]));
                foreach (var issue in expected[rule.Id].Errors)
                {
                    if (issue.Message.Contains("duplicates the earlier rule")) duplicates++;
                    if (issue.Message.Contains("is shadowed by the earlier rule")) shadows++;
                    if (issue.Message.Contains("is already used by another rule")) clashes++;
                    if (issue.Message.Contains(" prefix ")) prefixes++;
                    if (rule is RedirectRule && issue.Field == "destinationPort") redirects++;
                }
            }

            // One rule at a time, as the draft validates a create or an update: the rule against the others, earlier
            // for everything and later for the name, from an index of the whole list (the rule's old self included).
            var index = RuleValidationIndex.Of(rules);
            var positions = rules.Select((r, i) => (r.Id, i)).ToDictionary(x => x.Id, x => x.i);
            var at = random.Next(rules.Count);
            var changed = RandomRule(random) with { Id = rules[at].Id };
            var edited = rules.ToArray();
            edited[at] = changed;
            var full = NatRuleValidator.Validate(changed, edited.Take(at).ToArray(), null, edited.Skip(at + 1).ToArray());
            var (earlier, later) = index.Context(changed, at, r => positions[r.Id]);
            Assert.Equal(Lines(full), Lines(NatRuleValidator.Validate(changed, earlier, null, later)));

            // A new rule appended at the end.
            var added = RandomRule(random);
            var fullAdded = NatRuleValidator.Validate(added, rules, null, []);
            var (earlierAdded, laterAdded) = index.Context(added, rules.Count, r => positions[r.Id]);
            Assert.Empty(laterAdded);
            Assert.Equal(Lines(fullAdded), Lines(NatRuleValidator.Validate(added, earlierAdded, null, laterAdded)));

            // The index follows removals and replacements.
            index.Replace(rules[at], changed);
            var (earlierAfter, laterAfter) = index.Context(added, rules.Count, r => positions[r.Id]);
            Assert.Equal(Lines(NatRuleValidator.Validate(added, edited, null, [])), Lines(NatRuleValidator.Validate(added, earlierAfter, null, laterAfter)));
        }
        // The corpus really exercises what it claims to.
        Assert.True(duplicates > 500, $"{duplicates} duplicates, {shadows} shadows, {clashes} clashes");
        Assert.True(shadows > 500, $"{shadows} shadows");
        Assert.True(clashes > 500, $"{clashes} name clashes");
        Assert.True(prefixes > 300, $"{prefixes} prefix map clashes and forwards taken by a map");
        Assert.True(redirects > 100, $"{redirects} redirects duplicated or shadowed");
    }

    [Fact]
    public void Duplicate_ids_are_refused_as_before()
    {
        var rule = RandomRule(new Random(1));
        Assert.Throws<ArgumentException>(() => NatRuleValidator.ValidateAll([rule, rule with { Name = "other" }]));
    }

    private static string[] Lines(ValidationResult result) => result.Issues.Select(i => i.ToString()).ToArray();

    private static readonly string[] Names = ["web", "Web ", " ssh", "dns", "game", "GAME", "mail", "vpn", "", "api"];
    private static readonly string[] Interfaces = ["lan0", "wan0", "wan1", "eth*"];
    private static readonly string[] V4Cidrs = ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "192.168.0.0/16"];
    private static readonly string[] V6Cidrs = ["fd00::/8", "fd00:1::/32", "fd00:1:2::/48"];
    private static readonly string?[] V4Addresses = [null, null, "203.0.113.1", "203.0.113.2"];
    private static readonly string?[] V6Addresses = [null, "2001:db8::1", "2001:db8::2"];
    private static readonly string[] V4Outside = ["203.0.113.0/30", "203.0.113.0/24", "203.0.113.2", "198.51.100.0/24"];
    private static readonly string[] V4Inside = ["10.8.0.0", "10.9.0.0", "10.8.0.0"];
    private static readonly string[] V6Outside = ["2001:db8::/64", "2001:db8::/126", "2001:db8:1::/64"];
    private static readonly string[] V6Inside = ["fd08::", "fd09::"];
    private static readonly PortRange[] Ports =
        [new(80), new(443), new(8080), new(8081), new(53), new(1000, 2000), new(1, 65535), new(8000, 8100), new(1500), new(80, 80)];

    private static List<NatRule> RandomList(Random random, int count)
    {
        var rules = new List<NatRule>(count);
        for (var i = 0; i < count; i++)
        {
            // Exact copies of an earlier forward (new id, maybe another name or protocol) make duplicates frequent.
            var earlierForwards = rules.OfType<DnatRule>().ToList();
            if (earlierForwards.Count > 0 && random.Next(4) == 0)
            {
                var copy = earlierForwards[random.Next(earlierForwards.Count)];
                rules.Add(copy with
                {
                    Id = Guid.NewGuid(), Name = random.Next(2) == 0 ? copy.Name : Names[random.Next(Names.Length)] + random.Next(9),
                    Enabled = random.Next(5) != 0, Protocol = random.Next(3) == 0 ? (NatProtocol)random.Next(3) : copy.Protocol,
                    InInterfaces = copy.InInterfaces.Reverse().ToList(),
                });
            }
            else if (rules.OfType<RedirectRule>().ToList() is { Count: > 0 } redirects && random.Next(6) == 0)
            {
                var copy = redirects[random.Next(redirects.Count)];
                rules.Add(copy with { Id = Guid.NewGuid(), Name = Names[random.Next(Names.Length)] + random.Next(9), Enabled = random.Next(5) != 0 });
            }
            else rules.Add(RandomRule(random));
        }
        return rules;
    }

    private static NatRule RandomRule(Random random)
    {
        var v6 = random.Next(4) == 0;
        var family = v6 ? NatFamily.Ipv6 : NatFamily.Ipv4;
        var name = Names[random.Next(Names.Length)] + (random.Next(3) == 0 ? random.Next(3).ToString() : "");
        var enabled = random.Next(5) != 0;
        var kind = random.Next(12);
        if (kind == 0)
            return new MasqueradeRule { Name = name, Enabled = enabled, Family = family, OutInterfaces = Pick(random, Interfaces, 1, 2) };
        if (kind == 1)
            return new SnatRule
            {
                Name = name, Enabled = enabled, Family = family, OutInterfaces = Pick(random, Interfaces, 1, 2),
                TranslateTo = AddressPool.Parse(v6 ? "2001:db8::9" : "198.51.100.9"),
            };
        var addresses = v6 ? V6Addresses : V4Addresses;
        var address = addresses[random.Next(addresses.Length)];
        var port = Ports[random.Next(Ports.Length)];
        if (kind == 2)
            return new RedirectRule
            {
                Name = name, Enabled = enabled, Family = family,
                InInterfaces = Pick(random, Interfaces, 1, 2),
                Protocol = (NatProtocol)random.Next(3),
                SourceCidrs = Pick(random, v6 ? V6Cidrs : V4Cidrs, 0, 1).Select(IpPrefix.Parse).ToList(),
                DestinationAddress = address is null ? null : IPAddress.Parse(address),
                DestinationPort = port,
            };
        if (kind == 3)
        {
            // Outside prefixes that hold the forwards' addresses (203.0.113.1, 2001:db8::1) and overlap each other.
            var outside = IpPrefix.Parse(v6 ? V6Outside[random.Next(V6Outside.Length)] : V4Outside[random.Next(V4Outside.Length)]);
            var inside = IpPrefix.Parse(v6 ? V6Inside[random.Next(V6Inside.Length)] : V4Inside[random.Next(V4Inside.Length)]);
            inside = new IpPrefix(inside.Network, outside.Length);
            var outsideInterfaces = Pick(random, Interfaces, 1, 2);
            var hairpin = random.Next(4) == 0;
            return v6
                ? new Nptv6Rule { Name = name, Enabled = enabled, Family = family, OutsideInterfaces = outsideInterfaces, InsidePrefix = inside, OutsidePrefix = outside, Hairpin = hairpin }
                : new OneToOneRule { Name = name, Enabled = enabled, Family = family, OutsideInterfaces = outsideInterfaces, InsidePrefix = inside, OutsidePrefix = outside, Hairpin = hairpin };
        }
        return new DnatRule
        {
            Name = name, Enabled = enabled, Family = family,
            InInterfaces = Pick(random, Interfaces, random.Next(6) == 0 ? 0 : 1, 3),
            Protocol = (NatProtocol)random.Next(3),
            SourceCidrs = Pick(random, v6 ? V6Cidrs : V4Cidrs, 0, 2).Select(IpPrefix.Parse).ToList(),
            DestinationAddress = address is null ? null : IPAddress.Parse(address),
            DestinationPort = port,
            TargetAddress = AddressPool.Parse(v6 ? "fd77::2" : "10.77.2.2"),
            TargetPort = random.Next(3) == 0 ? new PortRange(80) : null,
            Hairpin = random.Next(4) == 0,
        };
    }

    private static List<string> Pick(Random random, string[] pool, int min, int max)
    {
        var count = random.Next(min, max + 1);
        return pool.OrderBy(_ => random.Next()).Take(count).ToList();
    }
}
