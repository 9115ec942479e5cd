using NatGateway.Core.Settings;
using Xunit;

namespace NatGateway.Core.Tests;

public sealed class SettingsUpdateParserTests
{
    [Theory]
    [InlineData("""{"ipv4Forwarding": true}""", true, null, null, null, 0)]
    [InlineData("""{"ipv6Forwarding": false}""", null, false, null, null, 0)]
    [InlineData("""{"rpFilter": {"all": 2, "default": 1}}""", null, null, 2, 1, 0)]
    [InlineData("""{"rpFilter": {"interfaces": {"eth0": 1, "eth0.100": 2}}}""", null, null, null, null, 2)]
    [InlineData("""{"ipv4Forwarding": true, "ipv6Forwarding": false, "rpFilter": {"all": 2, "default": 1, "interfaces": {"eth0": 1}}}""", true, false, 2, 1, 1)]
    [InlineData("""{"ipv4Forwarding": null}""", null, null, null, null, 0)]
    public void Valid_bodies_parse_into_the_subset_they_carry(string json, bool? v4, bool? v6, int? all, int? dflt, int interfaces)
    {
        var (update, errors) = SettingsUpdateParser.Parse(json);
        Assert.Empty(errors);
        Assert.NotNull(update);
        Assert.Equal(v4, update.Ipv4Forwarding);
        Assert.Equal(v6, update.Ipv6Forwarding);
        Assert.Equal(all, update.RpFilterAll);
        Assert.Equal(dflt, update.RpFilterDefault);
        Assert.Equal(interfaces, update.RpFilterInterfaces.Count);
    }

    [Theory]
    [InlineData("""{"ipv4Forwarding": "yes"}""", "ipv4Forwarding", "true or false")]
    [InlineData("""{"ipv4Forwarding": 1}""", "ipv4Forwarding", "true or false")]
    [InlineData("""{"rpFilter": {"all": 3}}""", "rpFilter.all", "0 (off), 1 (strict) or 2 (loose)")]
    [InlineData("""{"rpFilter": {"default": "strict"}}""", "rpFilter.default", "not \"strict\"")]
    [InlineData("""{"rpFilter": {"interfaces": {"eth0": 1.5}}}""", "rpFilter.interfaces.eth0", "0 (off)")]
    [InlineData("""{"rpFilter": {"interfaces": {"a/b": 1}}}""", "rpFilter.interfaces.a/b", "not a valid interface name")]
    [InlineData("""{"rpFilter": {"interfaces": {"averyveryverylongname": 1}}}""", "rpFilter.interfaces.averyveryverylongname", "not a valid interface name")]
    [InlineData("""{"rpFilter": {"interfaces": [1]}}""", "rpFilter.interfaces", "must be an object")]
    [InlineData("""{"rpFilter": 2}""", "rpFilter", "must be an object")]
    [InlineData("""{"rpFilter": {"strict": 1}}""", "rpFilter.strict", "unknown field")]
    [InlineData("""{"ipForwarding": true}""", "ipForwarding", "unknown field")]
    [InlineData("""[true]""", "body", "JSON object")]
    [InlineData("""{"ipv4Forwarding": tru""", "body", "not valid JSON")]
    public void Invalid_bodies_name_the_field_and_say_what_is_expected(string json, string field, string fragment)
    {
        var (update, errors) = SettingsUpdateParser.Parse(json);
        Assert.Null(update);
        Assert.True(errors.TryGetValue(field, out var messages), $"expected an error for {field}, got {string.Join(", ", errors.Keys)}");
        Assert.Contains(fragment, messages![0], StringComparison.Ordinal);
    }

    [Fact]
    public void Several_bad_fields_are_all_reported_at_once()
    {
        var (_, errors) = SettingsUpdateParser.Parse("""{"ipv4Forwarding": 2, "rpFilter": {"all": 9, "interfaces": {"eth0": "x"}}}""");
        Assert.Equal(["ipv4Forwarding", "rpFilter.all", "rpFilter.interfaces.eth0"], errors.Keys.Order().ToArray());
    }
}
