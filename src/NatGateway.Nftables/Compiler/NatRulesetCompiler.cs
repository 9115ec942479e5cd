using NatGateway.Nat;
using NatGateway.Nftables.Schema;

namespace NatGateway.Nftables;

/// <summary>
/// Compiles the ordered NAT rule list into ONE nftables batch for the tables NatGateway owns:
/// <code>
/// add table ip natgw; delete table ip natgw; add table ip natgw      (same for ip6: replaces only our table)
/// add chain ip natgw prerouting  { type nat hook prerouting priority dstnat; }   DNAT, list order (maps for plain forwards)
/// add chain ip natgw output      { type nat hook output priority -100; }         DNAT of hairpin forwards for local traffic
/// add chain ip natgw postrouting { type nat hook postrouting priority srcnat; }  hairpin masquerade, then SNAT/masquerade in list order
/// </code>
/// Every nft rule carries a counter, the comment "&lt;rule id&gt; &lt;name&gt;", and sets the rule's mark id under the mark mask.
/// Pure: no kernel access.
/// </summary>
public static class NatRulesetCompiler
{
    public const string Prerouting = "prerouting";
    public const string Output = "output";
    public const string Postrouting = "postrouting";

    public static CompiledRuleset Compile(IReadOnlyList<NatRule> orderedRules, NatCompileOptions? options = null)
    {
        options ??= new NatCompileOptions();
        options.Validate();
        CheckRules(orderedRules, options);

        var commands = new List<NftCommand>();
        var tables = new List<NftTableName>();
        var infos = new List<CompiledRuleInfo>();
        var plans = new List<DnatUnit>();
        foreach (var family in new[] { NatFamily.Ipv4, NatFamily.Ipv6 })
        {
            var rules = orderedRules.Where(r => r.Family == family).ToList();
            var builder = new TableBuilder(family, family == NatFamily.Ipv6 ? options.Ipv6Table : options.Ipv4Table, options);
            var plan = DnatPlan.Build(rules, options.UseMapsForPlainForwards);
            builder.Build(rules, plan);
            commands.AddRange(builder.Commands);
            tables.Add(new NftTableName(NftFamily.TableFamily(family), builder.TableName));
            plans.AddRange(plan.Units);
            foreach (var rule in rules)
                infos.Add(new CompiledRuleInfo(rule.Id, rule.Name, rule.MarkId, options.MarkValue(rule.MarkId), rule.Enabled, builder.SegmentOf(rule.Id)));
        }
        var batch = new NftBatch(commands);
        return new CompiledRuleset(batch, batch.ToJson(), tables, infos, new DnatPlan(plans), options);
    }

    private static void CheckRules(IReadOnlyList<NatRule> rules, NatCompileOptions options)
    {
        var problems = new List<(Guid, ValidationIssue)>();
        var seenMarks = new Dictionary<int, Guid>();
        var seenIds = new HashSet<Guid>();
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (!seenIds.Add(rule.Id)) problems.Add((rule.Id, new ValidationIssue("id", "appears twice in the list")));
            if (rule.MarkId < 1 || rule.MarkId > options.MaxMarkId)
                problems.Add((rule.Id, new ValidationIssue("markId", $"{rule.MarkId} is outside 1..{options.MaxMarkId} (assign with MarkIdAllocator)")));
            else if (!seenMarks.TryAdd(rule.MarkId, rule.Id))
                problems.Add((rule.Id, new ValidationIssue("markId", $"{rule.MarkId} is already used by rule {seenMarks[rule.MarkId]}")));
            // Structural errors only: a shadowed forward still compiles (it can never match, the map keeps the first).
            foreach (var issue in NatRuleValidator.Validate(rule, []).Errors)
                problems.Add((rule.Id, issue));
        }
        if (problems.Count > 0) throw new NatCompileException("the rule list cannot be compiled", problems);
    }

    /// <summary>Builds the commands for one family's table.</summary>
    private sealed class TableBuilder(NatFamily family, string tableName, NatCompileOptions options)
    {
        private readonly string _family = NftFamily.TableFamily(family);
        private readonly Dictionary<Guid, string> _segments = new();
        private readonly List<NftCommand> _objects = new();
        private readonly List<NftCommand> _rules = new();

        public string TableName { get; } = tableName;
        public List<NftCommand> Commands { get; } = new();

        public string? SegmentOf(Guid id) => _segments.GetValueOrDefault(id);

        public void Build(IReadOnlyList<NatRule> rules, DnatPlan plan)
        {
            var table = new NftTable { Family = _family, Name = TableName };
            // "add" first so "delete" cannot fail on a missing table; all three run in the same transaction.
            Commands.Add(NftCommand.Add(table));
            Commands.Add(NftCommand.Delete(table));
            Commands.Add(NftCommand.Add(table));
            Commands.Add(NftCommand.Add(BaseChain(Prerouting, "prerouting", -100)));
            Commands.Add(NftCommand.Add(BaseChain(Output, "output", -100)));
            Commands.Add(NftCommand.Add(BaseChain(Postrouting, "postrouting", 100)));

            var segmentNumber = 0;
            foreach (var unit in plan.Units)
                switch (unit)
                {
                    case DnatRuleUnit single: AddDnat(single.Rule); break;
                    case DnatMapSegment segment: AddSegment(segment, ++segmentNumber); break;
                }
            foreach (var dnat in rules.OfType<DnatRule>().Where(r => r.Enabled && r.Hairpin))
                AddHairpinMasquerade(dnat);
            foreach (var rule in rules.Where(r => r.Enabled))
                switch (rule)
                {
                    case MasqueradeRule m: AddMasquerade(m); break;
                    case SnatRule s: AddSnat(s); break;
                }
            Commands.AddRange(_objects);
            Commands.AddRange(_rules);
        }

        private NftChain BaseChain(string name, string hook, int priority) => new()
        {
            Family = _family, Table = TableName, Name = name, Type = "nat", Hook = hook, Priority = priority, Policy = "accept",
        };

        private void AddRule(string chain, NatRule? rule, IEnumerable<NftStatement> statements) =>
            _rules.Add(NftCommand.Add(new NftRule
            {
                Family = _family, Table = TableName, Chain = chain, Comment = rule is null ? null : RuleComment.For(rule),
                Expressions = statements.ToList(),
            }));

        // ---------- DNAT ----------

        private void AddDnat(DnatRule rule)
        {
            foreach (var protocol in ForwardMatch.Expand(rule.Protocol).Order())
            {
                var proto = NftFamily.Protocol(protocol);
                AddRule(Prerouting, rule, [
                    .. Expr.Interfaces("iifname", rule.InInterfaces, negate: false),
                    .. Expr.Cidrs(family, "saddr", rule.SourceCidrs),
                    Expr.DestinationAddress(family, rule.DestinationAddress, withInputInterface: true),
                    .. DnatTail(rule, proto)]);
                if (!rule.Hairpin) continue;
                // NAT reflection: the same forward for clients on every other interface, and for the gateway itself.
                AddRule(Prerouting, rule, [
                    .. Expr.Interfaces("iifname", rule.InInterfaces, negate: true),
                    .. Expr.Cidrs(family, "saddr", rule.SourceCidrs),
                    Expr.DestinationAddress(family, rule.DestinationAddress, withInputInterface: false),
                    .. DnatTail(rule, proto)]);
                AddRule(Output, rule, [
                    .. Expr.Cidrs(family, "saddr", rule.SourceCidrs),
                    Expr.DestinationAddress(family, rule.DestinationAddress, withInputInterface: false),
                    .. DnatTail(rule, proto)]);
            }
        }

        private IEnumerable<NftStatement> DnatTail(DnatRule rule, string proto)
        {
            yield return NftMatch.Equal(new NftMeta("l4proto"), proto);
            yield return NftMatch.Equal(new NftPayload(proto, "dport"), Expr.Ports(rule.DestinationPort));
            yield return new NftCounter();
            yield return Expr.SetMark(options, rule.MarkId);
            yield return new NftNat(NftNatKind.Dnat, Expr.Pool(rule.TargetAddress), DnatPort(rule, proto), []);
        }

        private static NftExpression? DnatPort(DnatRule rule, string proto)
        {
            if (rule.TargetPort is not { } target) return null;
            if (target.IsSingle) return new NftNumber(target.From);
            // Widths match (validated): same start keeps the port, otherwise map each port one to one.
            if (target.From == rule.DestinationPort.From) return null;
            var offset = target.From - rule.DestinationPort.From;
            var pairs = Enumerable.Range(rule.DestinationPort.From, rule.DestinationPort.Width)
                .Select(p => (NftExpression)new NftMapping(new NftNumber(p), new NftNumber(p + offset))).ToList();
            return new NftMapLookup(new NftPayload(proto, "dport"), new NftSet(pairs));
        }

        private void AddHairpinMasquerade(DnatRule rule) =>
            // Replies from the target must come back through us: masquerade flows this rule translated
            // unless they arrived on the rule's input interfaces (ordinary forwards keep the client address).
            AddRule(Postrouting, rule, [
                NftMatch.Equal(new NftBinary(NftBinaryOperator.And, new NftCt("mark"), new NftNumber(options.MarkMask)), new NftNumber(options.MarkValue(rule.MarkId))),
                NftMatch.In(new NftCt("status"), "dnat"),
                .. Expr.Interfaces("iifname", rule.InInterfaces, negate: true),
                new NftCounter(),
                new NftNat(NftNatKind.Masquerade, null, null, [])]);

        /// <summary>
        /// Plain forwards of one group, ONE hash lookup per new flow whichever forward it hits:
        /// <code>
        /// prerouting: iifname "lan0" fib daddr . iif type local meta l4proto tcp tcp dport vmap @fwdN
        /// map fwdN { type inet_service : verdict; elements = { 8080 : jump dnat_M, ... } }     (M = the forward's mark id)
        /// chain dnat_M: counter ct mark set ct mark &amp; ~mask | M &lt;&lt; shift dnat to 10.0.0.2 comment "..."          (port kept)
        ///               meta l4proto tcp counter ct mark set ct mark &amp; ~mask | M &lt;&lt; shift dnat to 10.0.0.2:80 comment "..."
        /// </code>
        /// nft 1.0.6 cannot OR a looked-up value into the mark, so each forward's mark id must be a constant in a rule of its
        /// own; one verdict-map lookup selects that rule, which does counter, mark and DNAT in one place: the per-flow cost is
        /// the same for every forward and every mark id. The chain belongs to the rule (its tcp and udp members share it; with
        /// a changed port, <c>meta l4proto</c> gives each protocol's DNAT its port context). No concatenated types.
        /// </summary>
        private void AddSegment(DnatMapSegment segment, int number)
        {
            var name = $"fwd{number}";
            var proto = NftFamily.Protocol(segment.Key.Protocol);
            var first = segment.Members[0].Rule;
            foreach (var m in segment.Members) _segments[m.Rule.Id] = name;

            _objects.Add(NftCommand.Add(Set(name, NftDataType.InetService, NftDataType.Verdict,
                segment.Members.Select(m => (NftExpression)new NftMapping(new NftNumber(m.Port), new NftJumpVerdict(ForwardChain(m)))).ToList())));
            AddRule(Prerouting, null, [
                .. Expr.Interfaces("iifname", first.InInterfaces, negate: false),
                Expr.DestinationAddress(family, first.DestinationAddress, withInputInterface: true),
                NftMatch.Equal(new NftMeta("l4proto"), proto),
                new NftVerdictMapStatement(new NftPayload(proto, "dport"), $"@{name}")]);
        }

        /// <summary>"dnat_M" (chain created), "dnat_M any" / "dnat_M tcp" (its rule for all protocols / one protocol emitted).</summary>
        private readonly HashSet<string> _forwardChainParts = new();

        /// <summary>
        /// Chain <c>dnat_M</c> of a map member's rule, created with the rule's first member: one nft rule for all its
        /// members when the port is kept, otherwise one per protocol.
        /// </summary>
        private string ForwardChain(MapMember member)
        {
            var rule = member.Rule;
            var chain = $"dnat_{rule.MarkId}";
            if (_forwardChainParts.Add(chain))
                _objects.Add(NftCommand.Add(new NftChain { Family = _family, Table = TableName, Name = chain }));
            var portKept = member.TargetPort == member.Port;
            var proto = NftFamily.Protocol(member.Protocol);
            if (!_forwardChainParts.Add(portKept ? $"{chain} any" : $"{chain} {proto}")) return chain;
            AddRule(chain, rule, [
                .. Expr.Protocol(portKept ? null : proto),
                new NftCounter(),
                Expr.SetMark(options, rule.MarkId),
                new NftNat(NftNatKind.Dnat, new NftString(rule.TargetAddress.From.ToString()), portKept ? null : new NftNumber(member.TargetPort), [])]);
            return chain;
        }

        private NftNamedSet Set(string name, NftDataType type, NftDataType? map, IReadOnlyList<NftExpression> elements) => new()
        {
            Family = _family, Table = TableName, Name = name, Type = type, MapType = map, Elements = elements,
        };

        // ---------- source NAT ----------

        private void AddMasquerade(MasqueradeRule rule)
        {
            foreach (var proto in Protocols(rule.Protocol))
                AddRule(Postrouting, rule, [
                    .. Expr.Interfaces("oifname", rule.OutInterfaces, negate: false),
                    .. Expr.Cidrs(family, "saddr", rule.SourceCidrs),
                    .. Expr.Protocol(proto),
                    new NftCounter(),
                    Expr.SetMark(options, rule.MarkId),
                    new NftNat(NftNatKind.Masquerade, null, rule.Ports is { } p ? Expr.Ports(p) : null, Expr.Flags(rule.Options))]);
        }

        private void AddSnat(SnatRule rule)
        {
            foreach (var proto in Protocols(rule.Protocol))
                AddRule(Postrouting, rule, [
                    .. Expr.Interfaces("oifname", rule.OutInterfaces, negate: false),
                    .. Expr.Cidrs(family, "saddr", rule.SourceCidrs),
                    .. Expr.Cidrs(family, "daddr", rule.DestinationCidrs),
                    .. Expr.Protocol(proto),
                    new NftCounter(),
                    Expr.SetMark(options, rule.MarkId),
                    new NftNat(NftNatKind.Snat, Expr.Pool(rule.TranslateTo), rule.Ports is { } p ? Expr.Ports(p) : null, Expr.Flags(rule.Options))]);
        }

        private static IEnumerable<string?> Protocols(NatProtocol? protocol) =>
            protocol is { } p ? ForwardMatch.Expand(p).Order().Select(x => (string?)NftFamily.Protocol(x)) : [(string?)null];
    }
}
