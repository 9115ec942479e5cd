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

    // The compiled batch of the list prepared for the next apply (one, used once): the apply pipeline prepares the very
    // list instance it then applies, under its lock; the agent hands over the same validated instance for the same bytes.
    private readonly Lock _gate = new();
    private (IReadOnlyList<NatRule> Rules, int Count, string Clamp, CompiledRuleset Compiled)? _prepared;

    private CompiledRuleset Compile(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp) =>
        NatRulesetCompiler.Compile(rules, options, mssClamp ?? []);

    public RulesetDocuments Prepare(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null)
    {
        var compiled = Compile(rules, mssClamp);
        lock (_gate) _prepared = (rules, rules.Count, string.Join(',', mssClamp ?? []), compiled);
        // The listing text is the compiler's own (line for line the kernel's rendering, NftListingText): no kernel call.
        return new RulesetDocuments(compiled.Json, NftListingText.Render(compiled));
    }

    public ApplyResult Apply(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null)
    {
        CompiledRuleset? compiled = null;
        lock (_gate)
        {
            if (_prepared is { } p && ReferenceEquals(p.Rules, rules) && p.Count == rules.Count && p.Clamp == string.Join(',', mssClamp ?? []))
                compiled = p.Compiled;
            _prepared = null;
        }
        return Engine.Apply(compiled ?? Compile(rules, mssClamp));
    }

    public void Check(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) => Engine.Check(Compile(rules, mssClamp));

    public string Render(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) =>
        NftablesNatEngine.RenderInScratchNamespace(Compile(rules, mssClamp));

    public string ListText() => Engine.ListTablesText();

    public IReadOnlyDictionary<Guid, RuleCounters> ReadCounters() => Engine.ReadCounters();

    public DriftReport DetectDrift(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) => Engine.DetectDrift(Compile(rules, mssClamp));
}
