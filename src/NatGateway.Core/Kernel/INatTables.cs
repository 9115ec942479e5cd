using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Core.Kernel;

/// <summary>
/// NatGateway's own nftables tables, driven by rule lists (never nft text): the implementation compiles them with
/// <see cref="NatRulesetCompiler"/> and its fixed <see cref="NatCompileOptions"/>, so no caller can name another table.
/// Failures libnftables reports throw <see cref="NftablesException"/>.
/// </summary>
public interface INatTables
{
    /// <summary>Replaces our tables with the compiled rules in ONE transaction (<c>nft -j -f batch.json</c>): all or nothing.</summary>
    /// <remarks><paramref name="mssClamp"/>: interfaces whose forwarded TCP SYNs get their MSS clamped to the route MTU,
    /// compiled into the same transaction (<see cref="NatRulesetCompiler.Compile(IReadOnlyList{NatRule}, NatCompileOptions?, IReadOnlyList{string})"/>).</remarks>
    ApplyResult Apply(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null);

    /// <summary>
    /// Gets <paramref name="rules"/> ready for an <see cref="Apply"/> of the same list that follows (parsed, validated and
    /// compiled), without touching the kernel: the apply pipeline runs it beside its own validation, so the apply itself
    /// is little more than the nft transaction. True when the list is ready; false when the implementation prepares
    /// nothing (the caller compiles). Optional; failures are for the apply to report.
    /// </summary>
    bool Prepare(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) => false;

    /// <summary>
    /// What the kernel side compiled for the list last prepared (its JSON batch and listing text), which the revision
    /// stores, so the list is compiled once per apply. Asked for while the nft transaction runs: the megabytes of a
    /// 10,000-rule batch and its text are written and read on the other core, not before the kernel changes (issue 12).
    /// Null when that list is not prepared here (the caller compiles).
    /// </summary>
    RulesetDocuments? PreparedDocuments(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) => null;

    /// <summary>Lets the kernel check the compiled rules without committing them (<c>nft -c -j -f batch.json</c>).</summary>
    void Check(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null);

    /// <summary>The kernel's text rendering of the compiled rules, made in an empty scratch network namespace
    /// (<c>unshare -n nft -f batch; nft -s list table ip natgw</c>). Throws <see cref="InvalidOperationException"/>
    /// where no scratch namespace can be made (no CAP_SYS_ADMIN).</summary>
    string Render(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null);

    /// <summary>Our tables as the kernel lists them now, without counter values (<c>nft -s list table ip natgw</c>, then ip6).</summary>
    string ListText();

    /// <summary>Per-rule packet/byte counters keyed by rule id (rule comments and map element comments).</summary>
    IReadOnlyDictionary<Guid, RuleCounters> ReadCounters();

    /// <summary>Our tables in the kernel against the kernel's rendering of <paramref name="rules"/> (counters ignored):
    /// a rule added by hand or a deleted table shows up as a diff.</summary>
    DriftReport DetectDrift(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null);

    /// <summary>
    /// The ruleset generation (NFT_MSG_GETGEN): every committed transaction moves it, ours or anyone's (<c>nft</c> by
    /// hand), so an equal reading means nothing in the ruleset changed since. Null where it cannot be read.
    /// </summary>
    uint? Generation();
}
