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
    /// compiled), without touching the kernel: the apply pipeline runs it beside writing the journal, so the apply itself
    /// is little more than the nft transaction. Returns what the kernel side compiled (its JSON batch and listing text),
    /// which the journal stores, so the list is compiled once; null when the implementation prepares nothing (the caller
    /// compiles). Optional; failures are for the apply to report.
    /// </summary>
    RulesetDocuments? Prepare(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) => null;

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
}
