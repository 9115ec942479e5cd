using System.Diagnostics;
using System.Text.Json;
using NatGateway.Nat;
using NatGateway.Netlink.Netfilter;
using NatGateway.Nftables.Schema;

namespace NatGateway.Nftables;

/// <summary>
/// What the web layer calls: compile the ordered rule list, preview it, apply it atomically, read counters back
/// and detect drift. All kernel access goes through <see cref="INftablesBackend"/> (one transaction per call).
/// </summary>
public sealed class NftablesNatEngine(INftablesBackend backend, NatCompileOptions? options = null)
{
    public NatCompileOptions Options { get; } = options ?? new NatCompileOptions();

    /// <summary>
    /// Compiles (pure) and renders the result as the kernel would list it (<c>nft list table ip natgw</c>), by applying
    /// it in a throwaway network namespace. Throws <see cref="NatCompileException"/> for invalid rules and
    /// <see cref="NftablesException"/> when libnftables rejects the batch.
    /// </summary>
    public CompiledRuleset Compile(IReadOnlyList<NatRule> orderedRules)
    {
        var compiled = NatRulesetCompiler.Compile(orderedRules, Options);
        return compiled with { NftText = RenderInScratchNamespace(compiled) };
    }

    /// <summary>Compiles without rendering (no privileges needed).</summary>
    public CompiledRuleset CompileOnly(IReadOnlyList<NatRule> orderedRules) => NatRulesetCompiler.Compile(orderedRules, Options);

    /// <summary>The kernel's text rendering of a compiled ruleset, made in an empty scratch namespace (counters omitted).</summary>
    public static string RenderInScratchNamespace(CompiledRuleset compiled) => ScratchNamespace.Run(() =>
    {
        using var scratch = new LibNftablesBackend();
        CreateTimeoutObjects(scratch, compiled);
        scratch.Run(compiled.Json, json: true);
        return ListText(scratch, compiled.Tables);
    });

    /// <summary><c>nft -c -j -f</c>: lets the real kernel check the batch without committing it.</summary>
    public void Check(CompiledRuleset compiled)
    {
        // The batch's own "add ct timeout" (policy dropped by 1.0.6) is enough for the kernel's check; nothing is created.
        backend.Run(compiled.Json, json: true, dryRun: true);
    }

    /// <summary>
    /// The first libnftables whose JSON parser keeps a ct timeout object's "policy". 1.0.6 (Debian 12) tests the result of
    /// json_unpack() the wrong way round in json_parse_ct_timeout_policy() and returns before reading the policy, so the
    /// object is created with the protocol's default timeouts and every flow would silently keep the defaults; fixed by
    /// nftables commit "parser_json: Wrong check in json_parse_ct_timeout_policy()" (Phil Sutter, 2023-09), first in 1.0.9.
    /// </summary>
    public static readonly Version FirstVersionKeepingTimeoutPolicies = new(1, 0, 9);

    private Version? _libraryVersion;

    /// <summary>libnftables' own version, from the metainfo of a JSON listing (read once per engine).</summary>
    public Version LibraryVersion()
    {
        if (_libraryVersion is { } known) return known;
        // Text input with JSON output: 1.0.6 falls back to its text parser when the input is not JSON.
        using var document = JsonDocument.Parse(backend.Run("list tables", json: true));
        var text = document.RootElement.GetProperty("nftables").EnumerateArray()
            .Select(i => i.TryGetProperty("metainfo", out var m) ? m.GetProperty("version").GetString() : null).First(v => v is not null)!;
        return _libraryVersion = Version.Parse(text);
    }

    /// <summary>
    /// Creates the batch's ct timeout objects, policy included, in <c>table inet natgw_ct</c> with our own netlink (one
    /// nf_tables transaction; existing objects are kept: a name is made from the policy's values, so an existing object of
    /// that name already holds that policy). This runs just before the JSON batch, in a transaction of its own: in between,
    /// the new objects exist but no rule names them yet, which changes no flow; if the JSON batch then fails, they stay
    /// unused until the next apply that succeeds deletes them. libnftables would create them with the defaults on 1.0.6
    /// (see <see cref="FirstVersionKeepingTimeoutPolicies"/>); the batch's "add" then finds ours and keeps them.
    /// </summary>
    private static void CreateTimeoutObjects(INftablesBackend target, CompiledRuleset compiled)
    {
        var objects = compiled.Batch.Commands.Where(c => c.Verb == NftVerb.Add).Select(c => c.Object).OfType<NftCtTimeout>()
            .Select(o => new CtTimeoutObject(o.Name, o.Protocol == NftTimeoutProtocol.Tcp ? CtTimeoutProtocol.Tcp : CtTimeoutProtocol.Udp,
                o.Policy.ToDictionary(p => CtTimeoutAttribute(o.Protocol, p.Key), p => (uint)p.Value)))
            .ToList();
        if (objects.Count == 0) return;
        target.CreateCtTimeoutObjects(compiled.Options.TimeoutTable, objects);
    }

    private static ushort CtTimeoutAttribute(NftTimeoutProtocol protocol, NftTimeoutState state) => (protocol, state) switch
    {
        (NftTimeoutProtocol.Tcp, NftTimeoutState.Established) => NftCtTimeoutObjects.TcpEstablished,
        (NftTimeoutProtocol.Udp, NftTimeoutState.Unreplied) => NftCtTimeoutObjects.UdpUnreplied,
        (NftTimeoutProtocol.Udp, NftTimeoutState.Replied) => NftCtTimeoutObjects.UdpReplied,
        _ => throw new ArgumentOutOfRangeException(nameof(state), $"{state} is not a {protocol} state"),
    };

    /// <summary>
    /// Deletes the ct timeout objects in <c>table inet natgw_ct</c> that the applied batch no longer names (unused objects
    /// change no flow; a failure here leaves them for the next apply, and does not make the committed apply look failed).
    /// </summary>
    private void DeleteUnusedTimeoutObjects(CompiledRuleset compiled)
    {
        var wanted = compiled.Batch.Commands.Where(c => c.Verb == NftVerb.Add).Select(c => c.Object).OfType<NftCtTimeout>().Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        if (wanted.Count == 0) return; // the batch deleted the whole table
        var table = new NftTableName(NatRulesetCompiler.TimeoutTableFamily, compiled.Options.TimeoutTable);
        try
        {
            if (TryList(backend, table, json: true) is not { } listing) return;
            using var document = JsonDocument.Parse(listing);
            var stale = document.RootElement.GetProperty("nftables").EnumerateArray()
                .Where(i => i.TryGetProperty("ct timeout", out _)).Select(i => i.GetProperty("ct timeout").GetProperty("name").GetString()!)
                .Where(n => !wanted.Contains(n)).ToList();
            backend.DeleteCtTimeoutObjects(table.Name, stale);
        }
        catch (NftablesException)
        {
            // Left for the next apply (see above).
        }
    }

    private NftTableName TimeoutTableName => new(NatRulesetCompiler.TimeoutTableFamily, Options.TimeoutTable);

    /// <summary>
    /// Replaces our tables' contents in ONE transaction (<c>nft -j -f batch.json</c>): either everything is applied or,
    /// on any error, nothing changes. Throws <see cref="NftablesException"/> with libnftables' error text.
    /// </summary>
    public ApplyResult Apply(CompiledRuleset compiled)
    {
        var watch = Stopwatch.StartNew();
        CreateTimeoutObjects(backend, compiled);
        backend.Run(compiled.Json, json: true);
        DeleteUnusedTimeoutObjects(compiled);
        return new ApplyResult(watch.Elapsed, compiled.Batch.Commands.Count);
    }

    /// <summary>Our tables as the kernel lists them in JSON (<c>nft -j list table ip natgw</c>, then ip6); missing tables are skipped.</summary>
    public IReadOnlyList<JsonDocument> ListTablesJson() =>
        Tables().Select(t => TryList(backend, t, json: true)).OfType<string>().Select(s => JsonDocument.Parse(s)).ToList();

    /// <summary>Our tables as nft text without counter values (<c>nft -s list table ip natgw</c>).</summary>
    public string ListTablesText() => ListText(backend, Tables());

    /// <summary>The namespace's ruleset generation (<see cref="INftablesBackend.ReadGeneration"/>); null when unknown.</summary>
    public uint? Generation() => backend.ReadGeneration();

    /// <summary>Per-rule packet/byte counters keyed by rule id, from rule comments and map element comments.</summary>
    public IReadOnlyDictionary<Guid, RuleCounters> ReadCounters()
    {
        var totals = new Dictionary<Guid, (long Packets, long Bytes)>();
        var backends = new Dictionary<Guid, SortedDictionary<int, (long Packets, long Bytes)>>();
        void Add(Guid id, int? backend, JsonElement counter)
        {
            var (p, b) = totals.GetValueOrDefault(id);
            var (packets, bytes) = (counter.GetProperty("packets").GetInt64(), counter.GetProperty("bytes").GetInt64());
            totals[id] = (p + packets, b + bytes);
            if (backend is not { } index) return;
            if (!backends.TryGetValue(id, out var perBackend)) backends[id] = perBackend = new();
            var (bp, bb) = perBackend.GetValueOrDefault(index);
            perBackend[index] = (bp + packets, bb + bytes);
        }
        foreach (var document in ListTablesJson())
            using (document)
                foreach (var item in document.RootElement.GetProperty("nftables").EnumerateArray())
                {
                    if (item.TryGetProperty("rule", out var rule)) ReadRule(rule, Add);
                    else if (item.TryGetProperty("map", out var map)) ReadMapElements(map, Add);
                }
        return totals.ToDictionary(kv => kv.Key, kv => new RuleCounters(kv.Key, kv.Value.Packets, kv.Value.Bytes)
        {
            Backends = backends.TryGetValue(kv.Key, out var perBackend)
                ? perBackend.Select(b => new BackendCounters(b.Key, b.Value.Packets, b.Value.Bytes)).ToList()
                : [],
        });
    }

    private static void ReadRule(JsonElement rule, Action<Guid, int?, JsonElement> add)
    {
        if (!rule.TryGetProperty("comment", out var comment) || RuleComment.RuleIdOf(comment.GetString()) is not { } id) return;
        var backend = RuleComment.BackendOf(comment.GetString());
        JsonElement? counter = null;
        foreach (var statement in rule.GetProperty("expr").EnumerateArray())
        {
            // The hairpin masquerade rule sees the same flows as its DNAT rule: don't count them twice.
            if (statement.TryGetProperty("match", out var match) && match.GetProperty("left").TryGetProperty("ct", out var ct)
                && ct.GetProperty("key").GetString() == "status") return;
            if (statement.TryGetProperty("counter", out var c) && c.ValueKind == JsonValueKind.Object) counter = c;
        }
        if (counter is { } value) add(id, backend, value);
    }

    private static void ReadMapElements(JsonElement map, Action<Guid, int?, JsonElement> add)
    {
        if (!map.TryGetProperty("elem", out var elements)) return;
        foreach (var element in elements.EnumerateArray())
        {
            var key = element.ValueKind == JsonValueKind.Array ? element[0] : element;
            if (key.ValueKind != JsonValueKind.Object || !key.TryGetProperty("elem", out var attributes)) continue;
            if (attributes.TryGetProperty("comment", out var comment) && RuleComment.RuleIdOf(comment.GetString()) is { } id
                && attributes.TryGetProperty("counter", out var counter))
                add(id, null, counter);
        }
    }

    /// <summary>
    /// Compares our tables in the kernel with the kernel's own rendering of <paramref name="compiled"/> (counters ignored).
    /// A change made outside NatGateway (<c>nft add rule ip natgw ...</c>, a deleted table) shows up as a diff; re-apply fixes it.
    /// </summary>
    public DriftReport DetectDrift(CompiledRuleset compiled)
    {
        var expected = compiled.NftText ?? RenderInScratchNamespace(compiled);
        var tables = compiled.Tables.Select(t => TryList(backend, t, json: false)).ToList();
        var actual = string.Concat(tables.Select(t => t ?? ""));
        var a = SplitLines(expected);
        var b = SplitLines(actual);
        var drift = !a.SequenceEqual(b);
        // A table the kernel does not have translates nothing, exactly like our table compiled from no rules. The baseline
        // and a settings-only change on a fresh install never put a table there: its absence is what they left, not drift.
        if (drift && tables.Any(t => t is null))
        {
            var empty = EmptyTablesText(compiled.Tables);
            drift = !a.SequenceEqual(SplitLines(string.Concat(tables.Select((t, i) => t ?? empty[i]))));
        }
        return new DriftReport(drift, drift ? TextDiff.Lines(a, b) : [], expected, actual);
    }

    private IReadOnlyDictionary<NftTableName, string>? _emptyTables;

    /// <summary>The kernel's rendering of each of our tables compiled from no rules (rendered once; the options never change).</summary>
    private IReadOnlyList<string> EmptyTablesText(IReadOnlyList<NftTableName> tables)
    {
        _emptyTables ??= ScratchNamespace.Run(() =>
        {
            var empty = NatRulesetCompiler.Compile([], Options);
            using var scratch = new LibNftablesBackend();
            scratch.Run(empty.Json, json: true);
            return (IReadOnlyDictionary<NftTableName, string>)empty.Tables.ToDictionary(t => t, t => TryList(scratch, t, json: false) ?? "");
        });
        return tables.Select(t => _emptyTables.GetValueOrDefault(t, "")).ToList();
    }

    private static string[] SplitLines(string text) => text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();

    private IReadOnlyList<NftTableName> Tables() =>
        [new NftTableName("ip", Options.Ipv4Table), new NftTableName("ip6", Options.Ipv6Table), TimeoutTableName];

    private static string ListText(INftablesBackend backend, IEnumerable<NftTableName> tables) =>
        string.Concat(tables.Select(t => TryList(backend, t, json: false) ?? ""));

    /// <summary>"list table": null when the table does not exist.</summary>
    private static string? TryList(INftablesBackend backend, NftTableName table, bool json)
    {
        // libnftables 1.0.6 parses JSON input only when JSON output is on; for text output use the text command.
        // Both names are safe here: the family is "ip"/"ip6" and table names are checked to be [A-Za-z0-9_].
        var command = json
            ? new NftBatch([NftCommand.List(new NftTable { Family = table.Family, Name = table.Name })]).ToJson()
            : $"list table {table.Family} {table.Name}";
        try
        {
            return backend.Run(command, json, stateless: !json);
        }
        catch (NftablesException e) when (e.NftError.Contains("No such file or directory"))
        {
            return null;
        }
    }
}
