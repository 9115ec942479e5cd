using NatGateway.Core.Revisions;
using Xunit;

namespace NatGateway.Core.Tests;

/// <summary>Imported documents follow the same name rule as the editor and the API: unique, ignoring case.</summary>
public sealed class RuleNameImportTests
{
    private static string Document(string firstName, string secondName) => $$"""
        {"format": "natgw-state", "version": 1, "rules": [
          {"kind": "masquerade", "name": "{{firstName}}", "outInterfaces": ["wan0"]},
          {"kind": "masquerade", "name": "{{secondName}}", "outInterfaces": ["ppp*"]}
        ]}
        """;

    [Fact]
    public void An_import_with_two_rules_of_the_same_name_in_different_case_is_refused_at_the_second_name()
    {
        var (state, errors) = RevisionStore.ParseExport(Document("Uplink", "UPLINK"));
        Assert.Null(state);
        var message = Assert.Single(Assert.Single(errors, e => e.Key == "rules[1].name").Value);
        Assert.Contains("Name 'UPLINK' is already used by another rule ('Uplink')", message);
    }

    [Fact]
    public void Distinct_names_and_a_prefix_wildcard_import()
    {
        var (state, errors) = RevisionStore.ParseExport(Document("uplink", "dial-up"));
        Assert.Empty(errors);
        Assert.Equal(2, state!.Rules.Count);
    }
}
