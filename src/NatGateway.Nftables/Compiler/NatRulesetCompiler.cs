using System.Numerics;
using NatGateway.Nat;
using NatGateway.Nftables.Schema;

namespace NatGateway.Nftables;

/// <summary>
/// Compiles the ordered NAT rule list into ONE nftables batch for the tables NatGateway owns:
/// <code>
/// add table ip natgw; delete table ip natgw; add table ip natgw      (same for ip6: replaces only our table)
/// add chain ip natgw prerouting  { type nat hook prerouting priority dstnat; }   DNAT, list order (maps for plain forwards)
/// add chain ip natgw output      { type nat hook output priority -100; }         DNAT of hairpin forwards for local traffic
/// add chain ip natgw postrouting { type nat hook postrouting priority srcnat; }  VRRP spared, hairpin masquerade, then SNAT/masquerade in list order
///     meta l4proto vrrp counter accept comment "VRRP keeps its source address"    always the chain's first rule
/// add chain ip natgw mssclamp { type filter hook forward priority mangle; }     only with MSS-clamp interfaces:
///     oifname { "wg0" } tcp flags syn tcp option maxseg size set rt mtu
/// </code>
/// Every nft rule carries a counter, the comment "&lt;rule id&gt; &lt;name&gt;", and sets the rule's mark id under the mark mask.
/// Pure: no kernel access.
/// </summary>
public static partial class NatRulesetCompiler
{
    public const string Prerouting = "prerouting";
    public const string Output = "output";
    public const string Postrouting = "postrouting";
    /// <summary>The MSS-clamp chain (not "fwd": a keyword of nft's parser; not "forward", to say what it is for).</summary>
    public const string MssClamp = "mssclamp";
    /// <summary>The comment on each postrouting chain's first rule, the VRRP exemption (no rule id: no rule of the list owns it).</summary>
    public const string VrrpComment = "VRRP keeps its source address";

    public static CompiledRuleset Compile(IReadOnlyList<NatRule> orderedRules, NatCompileOptions? options = null) =>
        Compile(orderedRules, options, []);

    /// <summary>
    /// The rules plus an MSS clamp for TCP SYNs forwarded out of <paramref name="mssClampInterfaces"/> (tunnels whose MTU is
    /// below the path's: the peers then agree on a segment size that fits, instead of relying on PMTU discovery through
    /// ICMP that NAT and firewalls often lose), in the same transaction.
    /// </summary>
    public static CompiledRuleset Compile(IReadOnlyList<NatRule> orderedRules, NatCompileOptions? options, IReadOnlyList<string> mssClampInterfaces)
    {
        options ??= new NatCompileOptions();
        options.Validate();
        CheckRules(orderedRules, options);
        var clamp = CheckClampInterfaces(mssClampInterfaces);

        var commands = new List<NftCommand>();
        var tables = new List<NftTableName>();
        var infos = new List<CompiledRuleInfo>();
        var plans = new List<DnatUnit>();
        var timeoutUses = new List<TimeoutUse>();
        foreach (var family in new[] { NatFamily.Ipv4, NatFamily.Ipv6 })
        {
            var rules = orderedRules.Where(r => r.Family == family).ToList();
            var builder = new TableBuilder(family, family == NatFamily.Ipv6 ? options.Ipv6Table : options.Ipv4Table, options);
            var plan = DnatPlan.Build(rules, options.UseMapsForPlainForwards);
            builder.Build(rules, plan, clamp);
            commands.AddRange(builder.Commands);
            tables.Add(new NftTableName(NftFamily.TableFamily(family), builder.TableName));
            plans.AddRange(plan.Units);
            timeoutUses.AddRange(builder.TimeoutUses);
            foreach (var rule in rules)
                infos.Add(new CompiledRuleInfo(rule.Id, rule.Name, rule.MarkId, options.MarkValue(rule.MarkId), rule.Enabled, builder.SegmentOf(rule.Id)));
        }
        commands.AddRange(TimeoutTableCommands(timeoutUses, options));
        tables.Add(new NftTableName(TimeoutTableFamily, options.TimeoutTable));
        var batch = new NftBatch(commands);
        return new CompiledRuleset(batch, batch.ToJson(), tables, infos, new DnatPlan(plans), options);
    }

    private static List<string> CheckClampInterfaces(IReadOnlyList<string> names)
    {
        var problems = names.Select(n => InterfaceName.Problem(n) ?? (n.EndsWith('*') ? $"'{n}' is a wildcard" : null))
            .Where(p => p is not null).Select(p => (Guid.Empty, new ValidationIssue("mssClamp", p!))).ToList();
        if (problems.Count > 0) throw new NatCompileException("the MSS-clamp interfaces cannot be compiled", problems);
        return names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
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
    private sealed partial class TableBuilder(NatFamily family, string tableName, NatCompileOptions options)
    {
        private readonly string _family = NftFamily.TableFamily(family);
        private readonly Dictionary<Guid, string> _segments = new();
        private readonly List<NftCommand> _objects = new();
        private readonly List<NftCommand> _rules = new();

        public string TableName { get; } = tableName;
        public List<NftCommand> Commands { get; } = new();

        public string? SegmentOf(Guid id) => _segments.GetValueOrDefault(id);

        public void Build(IReadOnlyList<NatRule> rules, DnatPlan plan, IReadOnlyList<string> mssClamp)
        {
            var table = new NftTable { Family = _family, Name = TableName };
            // "add" first so "delete" cannot fail on a missing table; all three run in the same transaction.
            Commands.Add(NftCommand.Add(table));
            Commands.Add(NftCommand.Delete(table));
            Commands.Add(NftCommand.Add(table));
            Commands.Add(NftCommand.Add(BaseChain(Prerouting, "prerouting", -100)));
            Commands.Add(NftCommand.Add(BaseChain(Output, "output", -100)));
            Commands.Add(NftCommand.Add(BaseChain(Postrouting, "postrouting", 100)));
            AddVrrpExemption();
            if (mssClamp.Count > 0)
            {
                // Priority mangle (-150), as iptables' TCPMSS in the mangle table: before any filter chain can see the SYN.
                Commands.Add(NftCommand.Add(new NftChain
                {
                    Family = _family, Table = TableName, Name = MssClamp, Type = "filter", Hook = "forward", Priority = -150, Policy = "accept",
                }));
                AddRule(MssClamp, null, [
                    .. Expr.Interfaces("oifname", mssClamp, negate: false),
                    NftMatch.In(new NftPayload("tcp", "flags"), "syn"),
                    new NftMangle(new NftTcpOption("maxseg", "size"), new NftRt("mtu"))]);
            }

            var segmentNumber = 0;
            foreach (var unit in plan.Units)
                switch (unit)
                {
                    case DnatRuleUnit single: AddDnat(single.Rule); break;
                    case DnatMapSegment segment: AddSegment(segment, ++segmentNumber); break;
                    case DestinationRuleUnit { Rule: RedirectRule redirect }: AddRedirect(redirect); break;
                    case DestinationRuleUnit { Rule: LoadBalanceRule balance }: AddLoadBalance(balance); break;
                    case DestinationRuleUnit { Rule: PrefixMapRule map }: AddPrefixMapInbound(map); break;
                }
            // Timeout policies in the order the rules act: destination NAT first, then source NAT (table inet natgw_ct).
            foreach (var unit in plan.Units)
                if (unit is DnatRuleUnit single) RecordTimeouts(single.Rule);
                else if (unit is DestinationRuleUnit other) RecordTimeouts(other.Rule);
            foreach (var rule in rules.Where(r => r.Enabled))
                if (rule is DnatRule { Hairpin: true } dnat) AddHairpinMasquerade(dnat);
                else if (rule is PrefixMapRule { Hairpin: true } map) AddPrefixMapHairpinMasquerade(map);
            foreach (var rule in rules.Where(r => r.Enabled))
                switch (rule)
                {
                    case MasqueradeRule m: AddMasquerade(m); break;
                    case SnatRule s: AddSnat(s); break;
                    case PrefixMapRule p: AddPrefixMapOutbound(p); break;
                }
            foreach (var rule in rules.Where(r => r.Enabled && r is MasqueradeRule or SnatRule or PrefixMapRule))
                RecordTimeouts(rule);
            Commands.AddRange(_objects);
            Commands.AddRange(_rules);
        }

        private NftChain BaseChain(string name, string hook, int priority) => new()
        {
            Family = _family, Table = TableName, Name = name, Type = "nat", Hook = hook, Priority = priority, Policy = "accept",
        };

        private void AddRule(string chain, NatRule? rule, IEnumerable<NftStatement> statements) =>
            AddRule(chain, rule, rule is null ? null : RuleComment.For(rule), statements);

        private void AddRule(string chain, NatRule? rule, string? comment, IEnumerable<NftStatement> statements) =>
            _rules.Add(NftCommand.Add(new NftRule
            {
                Family = _family, Table = TableName, Chain = chain, Comment = comment,
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
            yield return new NftNat(NftNatKind.Dnat, Expr.Pool(rule.TargetAddress), TargetPortMap(rule.DestinationPort, rule.TargetPort, proto), []);
        }

        /// <summary>
        /// The NAT statement's port for a forward or redirect: <c>:P</c> for one target port; none when the port is kept (no
        /// target, or a range starting where the destination range starts); a range of the same width maps port by port
        /// (<c>:tcp dport map { 8000 : 9000, … }</c>), because a port range as the NAT target would pick any free port of it,
        /// not the matching one. Widths are validated equal.
        /// </summary>
        private static NftExpression? TargetPortMap(PortRange destination, PortRange? targetPort, string proto)
        {
            if (targetPort is not { } target) return null;
            if (target.IsSingle) return new NftNumber(target.From);
            if (target.From == destination.From) return null;
            var offset = target.From - destination.From;
            var pairs = Enumerable.Range(destination.From, destination.Width)
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
        /// Plain forwards of one group. Every new flow of a forward costs the same, whatever its mark id:
        /// <code>
        /// prerouting: iifname "lan0" fib daddr . iif type local meta l4proto tcp ct mark &amp; ~mask == 0 ct mark set tcp dport map @fwdN_mark jump fwdN
        ///             iifname "lan0" fib daddr . iif type local meta l4proto tcp tcp dport @fwdN_mark jump fwdN_keep
        /// chain fwdN:      meta l4proto tcp dnat to tcp dport map @fwdN_addr : tcp dport map @fwdN_port   (": port map" only if a port changes)
        /// chain fwdN_keep: ct mark set ct mark &amp; ~mask; tcp dport vmap @fwdN_mark0; ...; jump fwdN
        /// </code>
        /// nft 1.0.6 cannot OR a looked-up value into the mark. When the mark's other bits are 0 (nobody else marked the flow
        /// before dstnat), <c>ct mark set</c> straight from <c>fwdN_mark</c> (port : id &lt;&lt; shift) is exactly
        /// <c>ct mark &amp; ~mask | id &lt;&lt; shift</c>: one lookup whose miss also ends the rule for ports not in the segment.
        /// Flows that already carry other bits take <c>fwdN_keep</c>, which ORs the id in a byte at a time through verdict maps
        /// into shared constant chains <c>markK_V</c>, so other users' bits survive. Single-type maps only (the concatenated
        /// type crashes libnftables 1.0.6). Per-forward counters and rule ids live on the elements of fwdN_addr, which is
        /// looked up once per flow (every lookup of a counted map counts).
        /// </summary>
        private void AddSegment(DnatMapSegment segment, int number)
        {
            var name = $"fwd{number}";
            var keep = $"{name}_keep";
            var proto = NftFamily.Protocol(segment.Key.Protocol);
            var dport = new NftPayload(proto, "dport");
            var first = segment.Members[0].Rule;
            var portsKept = segment.Members.All(m => m.TargetPort == m.Port);
            var otherBits = ~options.MarkMask;
            foreach (var m in segment.Members) _segments[m.Rule.Id] = name;

            _objects.Add(NftCommand.Add(new NftChain { Family = _family, Table = TableName, Name = name }));
            _objects.Add(NftCommand.Add(Set($"{name}_mark", NftDataType.InetService, NftDataType.Mark,
                segment.Members.Select(m => (NftExpression)new NftMapping(new NftNumber(m.Port), new NftNumber(options.MarkValue(m.Rule.MarkId)))).ToList())));
            _objects.Add(NftCommand.Add(Set($"{name}_addr", NftDataType.InetService, NftFamily.AddressType(family),
                segment.Members.Select(m => (NftExpression)new NftMapping(
                    new NftElement(new NftNumber(m.Port), RuleComment.For(m.Rule)),
                    new NftString(m.Rule.TargetAddress.From.ToString()))).ToList(), countElements: true)));
            if (!portsKept)
                _objects.Add(NftCommand.Add(Set($"{name}_port", NftDataType.InetService, NftDataType.InetService,
                    segment.Members.Select(m => (NftExpression)new NftMapping(new NftNumber(m.Port), new NftNumber(m.TargetPort))).ToList())));

            NftStatement[] group = [
                .. Expr.Interfaces("iifname", first.InInterfaces, negate: false),
                Expr.DestinationAddress(family, first.DestinationAddress, withInputInterface: true),
                NftMatch.Equal(new NftMeta("l4proto"), proto)];
            // With a full-width mask there are no other bits to keep: the fast rule alone is exact.
            NftStatement[] otherBitsClear = otherBits == 0 ? [] : [Expr.OtherMarkBitsClear(options)];
            AddRule(Prerouting, null, [
                .. group,
                .. otherBitsClear,
                new NftMangle(new NftCt("mark"), new NftMapLookup(dport, new NftString($"@{name}_mark"))),
                new NftJump(name)]);
            if (otherBits != 0)
            {
                AddRule(Prerouting, null, [.. group, NftMatch.Equal(dport, $"@{name}_mark"), new NftJump(keep)]);
                _objects.Add(NftCommand.Add(new NftChain { Family = _family, Table = TableName, Name = keep }));
                AddRule(keep, null, [Expr.ClearMark(options)]);
                var markBits = 32 - BitOperations.LeadingZeroCount(options.MaxMarkId);
                for (var markByte = 0; markByte * 8 < markBits; markByte++)
                {
                    var elements = new List<NftExpression>();
                    foreach (var m in segment.Members)
                    {
                        var value = (m.Rule.MarkId >> (8 * markByte)) & 0xff;
                        if (value != 0) elements.Add(new NftMapping(new NftNumber(m.Port), new NftJumpVerdict(MarkChain(markByte, value))));
                    }
                    if (elements.Count == 0) continue;
                    var mapName = $"{name}_mark{markByte}";
                    _objects.Add(NftCommand.Add(Set(mapName, NftDataType.InetService, NftDataType.Verdict, elements)));
                    AddRule(keep, null, [new NftVerdictMapStatement(dport, $"@{mapName}")]);
                }
                AddRule(keep, null, [new NftJump(name)]);
            }
            AddRule(name, null, [
                NftMatch.Equal(new NftMeta("l4proto"), proto),
                new NftNat(NftNatKind.Dnat,
                    new NftMapLookup(dport, new NftString($"@{name}_addr")),
                    portsKept ? null : new NftMapLookup(dport, new NftString($"@{name}_port")), [])]);
        }

        private readonly HashSet<string> _markChains = new();

        /// <summary>Shared chain <c>markK_V</c>: <c>ct mark set ct mark | (V &lt;&lt; (shift + 8K))</c>; created once per table on first use.</summary>
        private string MarkChain(int markByte, int value)
        {
            var chain = $"mark{markByte}_{value}";
            if (_markChains.Add(chain))
            {
                _objects.Add(NftCommand.Add(new NftChain { Family = _family, Table = TableName, Name = chain }));
                AddRule(chain, null, [new NftMangle(new NftCt("mark"),
                    new NftBinary(NftBinaryOperator.Or, new NftCt("mark"), new NftNumber((long)value << (options.MarkShift + 8 * markByte))))]);
            }
            return chain;
        }

        private NftNamedSet Set(string name, NftDataType type, NftDataType? map, IReadOnlyList<NftExpression> elements, bool countElements = false) => new()
        {
            Family = _family, Table = TableName, Name = name, Type = type, MapType = map, Elements = elements, CountElements = countElements,
        };

        // ---------- source NAT ----------

        /// <summary>
        /// The head of postrouting, before any source NAT: VRRP (IP protocol 112) leaves untranslated. RFC 5798 §5.1.1.1
        /// (IPv4; §5.1.2.1 for IPv6, the link-local address) requires an advert's source to be the primary address of the
        /// sending interface, and receivers use it to tell the routers apart (§6.4.3: equal priorities are broken by the
        /// higher primary address) — an advert translated to a virtual or pool address names the wrong router. keepalived's
        /// adverts leave through the outside interface like any local packet, so an SNAT or masquerade rule matching any
        /// source and protocol would rewrite them (seen in the HA lab: the new primary's adverts were dropped with EPERM).
        /// Nothing else of ours ever needs protocol 112 translated, so the exemption is unconditional, cluster mode or not.
        /// <c>meta l4proto</c> rather than <c>ip protocol</c>: one expression for both tables (in ip6 it is the transport
        /// header after any extension headers, in ip the protocol field), like the compiler's tcp/udp matches.
        /// </summary>
        private void AddVrrpExemption() =>
            AddRule(Postrouting, null, VrrpComment, [NftMatch.Equal(new NftMeta("l4proto"), "vrrp"), new NftCounter(), new NftAccept()]);

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
