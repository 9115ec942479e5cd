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

    // The compiled batch of the list last prepared: the apply pipeline prepares the very list instance it then applies,
    // under its lock; the agent hands over the same validated instance for the same bytes. Kept after the apply, which
    // the documents of the same list are read beside (PreparedDocuments), until the next prepare replaces it.
    private readonly Lock _gate = new();
    private Prepared? _prepared;

    private sealed record Prepared(IReadOnlyList<NatRule> Rules, int Count, string Clamp, CompiledRuleset Compiled)
    {
        public bool Holds(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp) =>
            ReferenceEquals(Rules, rules) && Count == rules.Count && Clamp == ClampKey(mssClamp);
    }

    private static string ClampKey(IReadOnlyList<string>? mssClamp) => string.Join(',', mssClamp ?? []);

    private CompiledRuleset Compile(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp) =>
        NatRulesetCompiler.Compile(rules, options, mssClamp ?? []);

    private CompiledRuleset? PreparedFor(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp)
    {
        lock (_gate) return _prepared is { } p && p.Holds(rules, mssClamp) ? p.Compiled : null;
    }

    public bool Prepare(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null)
    {
        var compiled = Compile(rules, mssClamp);
        lock (_gate) _prepared = new Prepared(rules, rules.Count, ClampKey(mssClamp), compiled);
        return true;
    }

    // The listing text is the compiler's own (line for line the kernel's rendering, NftListingText): no kernel call.
    public RulesetDocuments? PreparedDocuments(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) =>
        PreparedFor(rules, mssClamp) is { } compiled ? new RulesetDocuments(compiled.Json, NftListingText.Render(compiled)) : null;

    public ApplyResult Apply(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) =>
        Engine.Apply(PreparedFor(rules, mssClamp) ?? Compile(rules, mssClamp));

    public void Check(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) => Engine.Check(Compile(rules, mssClamp));

    public string Render(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) =>
        NftablesNatEngine.RenderInScratchNamespace(Compile(rules, mssClamp));

    public string ListText() => Engine.ListTablesText();

    public IReadOnlyDictionary<Guid, RuleCounters> ReadCounters() => Engine.ReadCounters();

    public DriftReport DetectDrift(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null) => Engine.DetectDrift(Compile(rules, mssClamp));

    public uint? Generation() => Engine.Generation();
}
