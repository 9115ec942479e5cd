using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Core.Kernel;

/// <summary><see cref="INatTables"/> through libnftables in this process's namespace (one context, serialized).</summary>
public sealed class LocalNatTables(NatCompileOptions options) : INatTables
{
    // Created on first use, so a host without libnftables still serves the settings pages.
    private readonly Lazy<NftablesNatEngine> _engine = new(() =>
        new NftablesNatEngine(new SerializedNftablesBackend(new LibNftablesBackend()), options));

    private NftablesNatEngine Engine => _engine.Value;

    public ApplyResult Apply(IReadOnlyList<NatRule> rules) => Engine.Apply(NatRulesetCompiler.Compile(rules, options));

    public void Check(IReadOnlyList<NatRule> rules) => Engine.Check(NatRulesetCompiler.Compile(rules, options));

    public string Render(IReadOnlyList<NatRule> rules) => NftablesNatEngine.RenderInScratchNamespace(NatRulesetCompiler.Compile(rules, options));

    public string ListText() => Engine.ListTablesText();

    public IReadOnlyDictionary<Guid, RuleCounters> ReadCounters() => Engine.ReadCounters();

    public DriftReport DetectDrift(IReadOnlyList<NatRule> rules) => Engine.DetectDrift(NatRulesetCompiler.Compile(rules, options));
}
