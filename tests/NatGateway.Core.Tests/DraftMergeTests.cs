using NatGateway.Core.Rules;
using NatGateway.Nat;
using Xunit;

namespace NatGateway.Core.Tests;

/// <summary>The draft after the revision in force changes under it: three-way merge by rule id (pure logic).</summary>
public sealed class DraftMergeTests
{
    private static NatRule Forward(string name, int port, int markId) =>
        NatRuleJson.Parse($$"""
            {"kind": "dnat", "name": "{{name}}", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "{{port}}", "targetAddress": "10.0.0.2", "targetPort": "80"}
            """).Rule! with { Id = Guid.NewGuid(), MarkId = markId };

    private static string[] Names(DraftMergeResult r) => r.Rules.Select(x => x.Name).ToArray();

    [Fact]
    public void Without_edits_the_draft_becomes_the_restored_revision()
    {
        var web = Forward("web", 8080, 1);
        var mail = Forward("mail", 2525, 2);
        // Finding 1: rolled back to 0 rules (left, and the draft), not confirmed, the 2 rules are restored.
        var result = DraftMerge.Merge(left: [], restored: [web, mail], draft: []);
        Assert.Equal(["web", "mail"], Names(result));
        Assert.Empty(result.KeptEdits);
        Assert.False(result.KeptOrder);
        Assert.Null(result.Notice);
        Assert.Empty(RuleListDiff.Compare([web, mail], result.Rules));
    }

    [Fact]
    public void An_added_rule_is_kept_at_the_end_with_a_mark_id_no_restored_rule_holds()
    {
        var web = Forward("web", 8080, 1);
        var mail = Forward("mail", 2525, 2);
        // Added to an empty draft: it got mark id 1, which the restored "web" holds.
        var ssh = Forward("ssh", 2222, 1);
        var result = DraftMerge.Merge(left: [], restored: [web, mail], draft: [ssh]);
        Assert.Equal(["web", "mail", "ssh"], Names(result));
        Assert.Equal(3, result.Rules.Select(r => r.MarkId).Distinct().Count());
        Assert.Equal(1, result.Rules.Single(r => r.Name == "web").MarkId);
        Assert.Equal([0, 1, 2], result.Rules.Select(r => r.Position).ToArray());
        var kept = Assert.Single(result.KeptEdits);
        Assert.Equal(("added", "ssh"), (kept.Change, kept.Name));
        Assert.Equal("1 unapplied edit(s) kept in the draft: added 'ssh'", result.Notice);
    }

    [Fact]
    public void A_changed_and_a_removed_rule_are_kept_and_untouched_rules_follow_the_restored_revision()
    {
        var web = Forward("web", 8080, 1);
        var mail = Forward("mail", 2525, 2);
        var dns = Forward("dns", 5353, 3);
        var restoredWeb = web with { Description = "as restored" };
        var editedMail = mail with { Enabled = false };
        // Left [web, mail, dns]; the operator disabled mail and deleted dns; the restored revision has another web and no dns.
        var result = DraftMerge.Merge(left: [web, mail, dns], restored: [restoredWeb, mail], draft: [web, editedMail]);
        Assert.Equal(["web", "mail"], Names(result));
        Assert.Equal("as restored", result.Rules[0].Description);
        Assert.False(result.Rules[1].Enabled);
        Assert.Equal(["changed mail", "removed dns"], result.KeptEdits.Select(e => $"{e.Change} {e.Name}").ToArray());
    }

    [Fact]
    public void A_rule_the_operator_deleted_stays_deleted_even_if_the_restored_revision_has_it()
    {
        var web = Forward("web", 8080, 1);
        var mail = Forward("mail", 2525, 2);
        var result = DraftMerge.Merge(left: [web, mail], restored: [web, mail], draft: [web]);
        Assert.Equal(["web"], Names(result));
        Assert.Equal("removed", Assert.Single(result.KeptEdits).Change);
    }

    [Fact]
    public void Rules_only_the_restored_revision_has_come_back_in_its_order()
    {
        var a = Forward("a", 1001, 1);
        var b = Forward("b", 1002, 2);
        var c = Forward("c", 1003, 3);
        // Left [b]; restored [a, b, c]; the draft equals left: no edits.
        var result = DraftMerge.Merge(left: [b], restored: [a, b, c], draft: [b]);
        Assert.Equal(["a", "b", "c"], Names(result));
        Assert.Empty(result.KeptEdits);
    }

    [Fact]
    public void A_new_order_made_in_the_draft_is_kept()
    {
        var a = Forward("a", 1001, 1);
        var b = Forward("b", 1002, 2);
        var c = Forward("c", 1003, 3);
        var result = DraftMerge.Merge(left: [a, b], restored: [a, b, c], draft: [b, a]);
        Assert.Equal(["b", "c", "a"], Names(result));
        Assert.Empty(result.KeptEdits);
        Assert.True(result.KeptOrder);
        Assert.Equal("1 unapplied edit(s) kept in the draft: the new rule order", result.Notice);
    }
}
