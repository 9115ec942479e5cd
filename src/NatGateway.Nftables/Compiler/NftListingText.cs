using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text;
using NatGateway.Nftables.Schema;

namespace NatGateway.Nftables;

/// <summary>
/// The compiler's own <c>nft -s list table</c> text of a compiled ruleset: the same lines the kernel prints for our tables
/// once the batch is applied (sets and maps, then chains, each in creation order; elements sorted; nft's printing rules —
/// a <c>meta l4proto</c> dependency left out when a later expression names the protocol, prefix notation for aligned
/// ranges and masks, marks in hex). Pure and fast (10,000 forwards in milliseconds), so a revision keeps it without the
/// ~0.8 s of applying the batch in a scratch namespace and listing it back; the golden files and a kernel test hold it
/// equal to the kernel's rendering. It covers exactly the shapes <see cref="NatRulesetCompiler"/> emits.
/// </summary>
public static class NftListingText
{
    public static string Render(CompiledRuleset compiled)
    {
        var tables = new Dictionary<(string Family, string Name), TableText>();
        foreach (var command in compiled.Batch.Commands)
        {
            // A table deleted after its "add" (table inet natgw_ct when no rule has a timeout policy) is not there to list.
            if (command is { Verb: NftVerb.Delete, Object: NftTable deleted }) tables.Remove((deleted.Family, deleted.Name));
            if (command.Verb != NftVerb.Add) continue;
            switch (command.Object)
            {
                case NftTable t:
                    tables[(t.Family, t.Name)] = new TableText();
                    break;
                case NftNamedSet s:
                    tables[(s.Family, s.Table)].Sets.Add(s);
                    break;
                case NftCtTimeout o:
                    tables[(o.Family, o.Table)].Timeouts.Add(o);
                    break;
                case NftChain c:
                    var table = tables[(c.Family, c.Table)];
                    if (!table.Rules.ContainsKey(c.Name)) table.Chains.Add(c);
                    table.Rules.TryAdd(c.Name, []);
                    break;
                case NftRule r:
                    tables[(r.Family, r.Table)].Rules[r.Chain].Add(r);
                    break;
            }
        }
        var sb = new StringBuilder();
        foreach (var name in compiled.Tables)
        {
            if (!tables.TryGetValue((name.Family, name.Name), out var table)) continue;
            sb.Append("table ").Append(name.Family).Append(' ').Append(name.Name).Append(" {\n");
            foreach (var timeout in table.Timeouts) AppendTimeout(sb, timeout);
            foreach (var set in table.Sets) AppendSet(sb, set);
            foreach (var chain in table.Chains) AppendChain(sb, chain, table.Rules[chain.Name]);
            sb.Append("}\n");
        }
        return sb.ToString();
    }

    private sealed class TableText
    {
        public List<NftCtTimeout> Timeouts { get; } = [];
        public List<NftNamedSet> Sets { get; } = [];
        public List<NftChain> Chains { get; } = [];
        public Dictionary<string, List<NftRule>> Rules { get; } = [];
    }

    /// <summary>
    /// nft prints a ct timeout object's policy as the states whose value differs from the protocol's default, in the
    /// kernel's state order (tcp: established; udp: unreplied, replied).
    /// </summary>
    private static void AppendTimeout(StringBuilder sb, NftCtTimeout timeout)
    {
        sb.Append("\tct timeout ").Append(timeout.Name).Append(" {\n");
        sb.Append("\t\tprotocol ").Append(timeout.Protocol == NftTimeoutProtocol.Tcp ? "tcp" : "udp").Append('\n');
        sb.Append("\t\tl3proto ").Append(timeout.L3Protocol).Append('\n');
        var states = timeout.Policy.OrderBy(p => p.Key).Select(p => $"{StateName(p.Key)} : {p.Value.ToString(CultureInfo.InvariantCulture)}");
        sb.Append("\t\tpolicy = { ").AppendJoin(", ", states).Append(" }\n");
        sb.Append("\t}\n");
    }

    private static string StateName(NftTimeoutState state) => state switch
    {
        NftTimeoutState.Established => "established",
        NftTimeoutState.Unreplied => "unreplied",
        _ => "replied",
    };

    private static void AppendSet(StringBuilder sb, NftNamedSet set)
    {
        sb.Append('\t').Append(set.IsMap ? "map " : "set ").Append(set.Name).Append(" {\n");
        sb.Append("\t\ttype ").Append(TypeName(set.Type));
        if (set.MapType is { } map) sb.Append(" : ").Append(TypeName(map));
        sb.Append('\n');
        if (set.CountElements) sb.Append("\t\tcounter\n");
        if (set.Elements is { Count: > 0 } elements)
        {
            sb.Append("\t\telements = { ");
            var count = 0;
            foreach (var element in Sorted(elements))
            {
                // nft 1.0.6 wraps a named map's elements after every fifth one, under the first.
                if (count > 0) sb.Append(count % 5 == 0 && set.IsMap ? ",\n\t\t\t     " : ", ");
                count++;
                AppendElement(sb, element, set.MapType, set.CountElements);
            }
            sb.Append(" }\n");
        }
        sb.Append("\t}\n");
    }

    private static void AppendElement(StringBuilder sb, NftExpression element, NftDataType? mapType, bool counted)
    {
        var (key, data) = element is NftMapping m ? (m.Key, m.Value) : (element, null);
        var comment = key is NftElement e ? e.Comment : null;
        if (key is NftElement inner) key = inner.Value;
        sb.Append(Value(key));
        if (counted) sb.Append(" counter");
        if (comment is not null) sb.Append(" comment \"").Append(comment).Append('"');
        if (data is null) return;
        sb.Append(" : ");
        sb.Append(data switch
        {
            NftNumber n when mapType == NftDataType.Mark => Hex(n.Value),
            NftJumpVerdict j => "jump " + j.Target,
            _ => Value(data),
        });
    }

    private static void AppendChain(StringBuilder sb, NftChain chain, List<NftRule> rules)
    {
        sb.Append("\tchain ").Append(chain.Name).Append(" {\n");
        if (chain.Hook is { } hook)
            sb.Append("\t\ttype ").Append(chain.Type).Append(" hook ").Append(hook).Append(" priority ").Append(Priority(hook, chain.Priority ?? 0))
                .Append("; policy ").Append(chain.Policy ?? "accept").Append(";\n");
        foreach (var rule in rules)
        {
            sb.Append("\t\t");
            var parts = new List<string>();
            for (var i = 0; i < rule.Expressions.Count; i++)
                if (Statement(rule.Expressions, i) is { } text) parts.Add(text);
            sb.AppendJoin(' ', parts);
            if (rule.Comment is { } comment) sb.Append(" comment \"").Append(comment).Append('"');
            sb.Append('\n');
        }
        sb.Append("\t}\n");
    }

    /// <summary>nft's standard priority names where they apply to the hook (nat: dstnat -100 before routing, srcnat 100 after).</summary>
    private static string Priority(string hook, int priority) => (hook, priority) switch
    {
        ("prerouting", -100) => "dstnat",
        ("postrouting", 100) => "srcnat",
        // The timeout table's chains, one after the nat chains: nft prints the offset from the standard name.
        ("prerouting", -99) => "dstnat + 1",
        ("postrouting", 101) => "srcnat + 1",
        // NF_IP_PRI_MANGLE (-150): nft names it "mangle" on every hook of a filter chain.
        (_, -150) => "mangle",
        _ => priority.ToString(CultureInfo.InvariantCulture),
    };

    private static string? Statement(IReadOnlyList<NftStatement> statements, int index) => statements[index] switch
    {
        // nft drops the protocol match a later "tcp dport" implies (payload dependency).
        NftMatch { Left: NftMeta { Key: "l4proto" }, Operator: "==", Right: NftString proto }
            when statements.Skip(index + 1).Any(s => NamesProtocol(s, proto.Value)) => null,
        NftMatch match => Match(match),
        NftCounter => "counter",
        NftMangle mangle => $"{Value(mangle.Key)} set {MarkValue(mangle.Value)}",
        NftJump jump => "jump " + jump.Target,
        NftAccept => "accept",
        NftVerdictMapStatement vmap => $"{Value(vmap.Key)} vmap {Value(vmap.Data)}",
        NftCtTimeoutSet timeout => $"ct timeout set \"{timeout.ObjectName}\"",
        NftNat nat => Nat(nat),
        var other => throw new NotSupportedException($"no listing text for {other.GetType().Name}"),
    };

    private static bool NamesProtocol(NftStatement statement, string proto)
    {
        static bool In(NftExpression? e, string p) => e switch
        {
            NftPayload payload => payload.Protocol == p,
            NftMapLookup lookup => In(lookup.Key, p),
            NftBinary binary => In(binary.Left, p) || In(binary.Right, p),
            _ => false,
        };
        return statement switch
        {
            NftMatch m => In(m.Left, proto),
            NftMangle m => In(m.Value, proto),
            NftNat n => In(n.Address, proto) || In(n.Port, proto),
            NftVerdictMapStatement v => In(v.Key, proto),
            _ => false,
        };
    }

    private static string Match(NftMatch match)
    {
        if (match.Operator == "in") return $"{Value(match.Left)} {Value(match.Right)}";
        var op = match.Operator == "!=" ? "!= " : "";
        // A mark masked by a run of leading ones prints as a prefix: "ct mark 0x00010000/16"; other masks as "& m ==".
        if (match.Left is NftBinary { Operator: NftBinaryOperator.And, Left: NftCt ct, Right: NftNumber mask } && match.Right is NftNumber wanted)
        {
            var m = (uint)mask.Value;
            var ones = BitOperations.LeadingZeroCount(~m);
            if (m == uint.MaxValue) return $"ct {ct.Key} {op}{Hex(wanted.Value)}";
            if (ones > 0 && ones + BitOperations.TrailingZeroCount(m) == 32)
                return $"ct {ct.Key} {op}{Hex(wanted.Value)}/{ones}";
            return $"ct {ct.Key} & {Hex(m)} {(op.Length > 0 ? "!=" : "==")} {Hex(wanted.Value)}";
        }
        // Interface names are strings in quotes; protocol and type names are bare words.
        var quote = match.Left is NftMeta { Key: "iifname" or "oifname" };
        return $"{Value(match.Left)} {op}{Value(match.Right, quote)}";
    }

    /// <summary>A mark value: nft keeps "x &amp; m | v" as mask-and-xor and prints the mask with v's bits in it.</summary>
    private static string MarkValue(NftExpression value) => value switch
    {
        NftBinary { Operator: NftBinaryOperator.Or, Left: NftBinary { Operator: NftBinaryOperator.And, Left: var x, Right: NftNumber and }, Right: NftNumber or } =>
            (uint)and.Value == 0 ? Hex(or.Value) : $"{Value(x)} & {Hex((uint)and.Value | (uint)or.Value)} | {Hex(or.Value)}",
        NftBinary { Operator: NftBinaryOperator.And, Left: var x, Right: NftNumber and } => $"{Value(x)} & {Hex(and.Value)}",
        NftBinary { Operator: NftBinaryOperator.Or, Left: var x, Right: NftNumber or } => $"{Value(x)} | {Hex(or.Value)}",
        NftNumber n => Hex(n.Value),
        _ => Value(value),
    };

    private static string Nat(NftNat nat)
    {
        var sb = new StringBuilder(nat.Kind switch { NftNatKind.Dnat => "dnat", NftNatKind.Snat => "snat", NftNatKind.Redirect => "redirect", _ => "masquerade" });
        // Prefix NAT: "snat ip prefix to ip saddr map { 10.0.0.0/24 : 192.0.2.0/24 }" (the netmap flag is not printed).
        if (nat.PrefixFamily is { } family && nat.Address is { } mapped)
            return sb.Append(' ').Append(family).Append(" prefix to ").Append(Value(mapped)).ToString();
        var port = nat.Port is null ? null : Value(nat.Port);
        if (nat.Address is { } address)
        {
            var text = Address(address, bracket: port is not null);
            sb.Append(" to ").Append(text);
            if (port is not null) sb.Append(':').Append(port);
        }
        else if (port is not null) sb.Append(" to :").Append(port);
        var flags = new[] { "random", "fully-random", "persistent" }.Where(nat.Flags.Contains).ToList();
        if (flags.Count > 0) sb.Append(' ').AppendJoin(',', flags);
        return sb.ToString();
    }

    /// <summary>A NAT address: one address, a range (a prefix when aligned), or a map lookup; IPv6 in brackets before a port.</summary>
    private static string Address(NftExpression address, bool bracket)
    {
        string One(string a) => bracket && a.Contains(':') ? $"[{a}]" : a;
        return address switch
        {
            NftString s => One(s.Value),
            NftRange { From: NftString from, To: NftString to } => AlignedPrefix(from.Value, to.Value) is { } prefix
                ? prefix
                : $"{One(from.Value)}-{One(to.Value)}",
            _ => Value(address),
        };
    }

    private static string? AlignedPrefix(string from, string to)
    {
        if (!IPAddress.TryParse(from, out var a) || !IPAddress.TryParse(to, out var b)) return null;
        var x = new BigInteger(a.GetAddressBytes(), isUnsigned: true, isBigEndian: true);
        var y = new BigInteger(b.GetAddressBytes(), isUnsigned: true, isBigEndian: true);
        var size = y - x + 1;
        if (size <= 1 || !size.IsPowerOfTwo || !(x % size).IsZero) return null;
        var bits = a.GetAddressBytes().Length * 8;
        return $"{from}/{bits - (int)(size.GetBitLength() - 1)}";
    }

    private static string Value(NftExpression e, bool quote = false) => e switch
    {
        NftString s when quote => $"\"{s.Value}\"",
        NftString s => s.Value,
        NftNumber n => n.Value.ToString(CultureInfo.InvariantCulture),
        NftPayload p => $"{p.Protocol} {p.Field}",
        NftMeta { Key: "iifname" or "oifname" } m => m.Key,
        NftMeta m => "meta " + m.Key,
        NftCt ct => "ct " + ct.Key,
        NftTcpOption t => $"tcp option {t.Name} {t.Field}",
        NftRt rt => "rt " + rt.Key,
        NftFib fib => $"fib {string.Join(" . ", fib.Flags)} {fib.Result}",
        NftPrefix p => $"{p.Address}/{p.Length}",
        NftRange r => $"{Value(r.From)}-{Value(r.To)}",
        NftSet set => "{ " + string.Join(", ", Sorted(set.Items).Select(i => i is NftMapping m ? $"{Value(m.Key)} : {Value(m.Value)}" : Value(i, quote))) + " }",
        NftMapLookup lookup => $"{Value(lookup.Key)} map {Value(lookup.Data)}",
        NftJumpVerdict j => "jump " + j.Target,
        NftNumgen g => $"numgen inc mod {g.Modulus.ToString(CultureInfo.InvariantCulture)}",
        NftJhash h => $"jhash {Value(h.Input)} mod {h.Modulus.ToString(CultureInfo.InvariantCulture)} seed 0x{h.Seed.ToString("x", CultureInfo.InvariantCulture)}",
        NftBinary b => $"{Value(b.Left)} {(b.Operator == NftBinaryOperator.And ? "&" : "|")} {Value(b.Right)}",
        _ => throw new NotSupportedException($"no listing text for {e.GetType().Name}"),
    };

    /// <summary>nft prints set and map elements in key order: numbers by value, addresses by address, names by bytes.</summary>
    private static IEnumerable<NftExpression> Sorted(IEnumerable<NftExpression> items) =>
        items.OrderBy(SortKey, Comparer<(BigInteger, string)>.Create((a, b) =>
        {
            var c = a.Item1.CompareTo(b.Item1);
            return c != 0 ? c : string.CompareOrdinal(a.Item2, b.Item2);
        }));

    /// <summary>
    /// Interface names are nft's string type in host byte order (IFNAMSIZ = 16 bytes, zero-padded), and nft orders set
    /// elements as integers of those bytes: on a little-endian host the LAST differing byte decides, so "wg0" (padding at
    /// byte 3) lists before "gre0". A trailing wildcard '*' is an interval starting at the prefix.
    /// </summary>
    private static BigInteger InterfaceNameKey(string name)
    {
        var bytes = new byte[16];
        var text = name.EndsWith('*') ? name[..^1] : name;
        System.Text.Encoding.UTF8.GetBytes(text.AsSpan(0, Math.Min(text.Length, 16)), bytes);
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: !BitConverter.IsLittleEndian);
    }

    private static (BigInteger, string) SortKey(NftExpression item)
    {
        var key = item is NftMapping m ? m.Key : item;
        if (key is NftElement e) key = e.Value;
        return key switch
        {
            NftNumber n => (n.Value, ""),
            NftRange { From: NftNumber n } => (n.Value, ""),
            NftString s when IPAddress.TryParse(s.Value, out var a) => (new BigInteger(a.GetAddressBytes(), true, true), ""),
            NftPrefix p when IPAddress.TryParse(p.Address, out var a) => (new BigInteger(a.GetAddressBytes(), true, true), ""),
            NftString s => (InterfaceNameKey(s.Value), s.Value),
            _ => (BigInteger.Zero, ""),
        };
    }

    private static string TypeName(NftDataType type) => type switch
    {
        NftDataType.InetService => "inet_service",
        NftDataType.Ipv4Address => "ipv4_addr",
        NftDataType.Ipv6Address => "ipv6_addr",
        NftDataType.Mark => "mark",
        _ => "verdict",
    };

    private static string Hex(long value) => "0x" + ((uint)value).ToString("x8", CultureInfo.InvariantCulture);
}
