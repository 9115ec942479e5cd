namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>
/// The words of the filter language for protocols, TCP states and status bits, with the kernel numbers
/// they stand for (uapi linux/netfilter/nf_conntrack_common.h, nf_conntrack_tcp.h).
/// </summary>
public static class FilterNames
{
    private static readonly (string Name, byte Number)[] ProtocolTable =
    [
        ("icmp", 1), ("igmp", 2), ("tcp", 6), ("udp", 17), ("dccp", 33), ("gre", 47), ("esp", 50), ("ah", 51),
        ("icmpv6", 58), ("sctp", 132), ("udplite", 136),
    ];

    private static readonly Dictionary<string, byte> ProtocolAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ipv6-icmp"] = 58, ["icmp6"] = 58,
    };

    /// <summary>TCP conntrack states by kernel number (enum tcp_conntrack); index = TCP_CONNTRACK_*.</summary>
    private static readonly string[] TcpStateTable =
        ["none", "syn_sent", "syn_recv", "established", "fin_wait", "close_wait", "last_ack", "time_wait", "close", "syn_sent2"];

    /// <summary>Status words: the bits they test and whether the bits must be set (all of them), any of them, or clear.</summary>
    private static readonly (string Name, uint Mask, StatusMatch Match)[] StatusTable =
    [
        ("expected", 1u << 0, StatusMatch.AllSet),         // IPS_EXPECTED
        ("seen-reply", 1u << 1, StatusMatch.AllSet),       // IPS_SEEN_REPLY
        ("unreplied", 1u << 1, StatusMatch.NoneSet),       // conntrack -L shows [UNREPLIED] when SEEN_REPLY is clear
        ("assured", 1u << 2, StatusMatch.AllSet),          // IPS_ASSURED
        ("confirmed", 1u << 3, StatusMatch.AllSet),        // IPS_CONFIRMED
        ("snat", 1u << 4, StatusMatch.AllSet),             // IPS_SRC_NAT
        ("dnat", 1u << 5, StatusMatch.AllSet),             // IPS_DST_NAT
        ("nat", (1u << 4) | (1u << 5), StatusMatch.AnySet),
        ("seq-adjust", 1u << 6, StatusMatch.AllSet),       // IPS_SEQ_ADJUST
        ("snat-done", 1u << 7, StatusMatch.AllSet),        // IPS_SRC_NAT_DONE
        ("dnat-done", 1u << 8, StatusMatch.AllSet),        // IPS_DST_NAT_DONE
        ("dying", 1u << 9, StatusMatch.AllSet),            // IPS_DYING
        ("fixed-timeout", 1u << 10, StatusMatch.AllSet),   // IPS_FIXED_TIMEOUT
        ("template", 1u << 11, StatusMatch.AllSet),        // IPS_TEMPLATE
        ("nat-clash", 1u << 12, StatusMatch.AllSet),       // IPS_NAT_CLASH (formerly IPS_UNTRACKED)
        ("helper", 1u << 13, StatusMatch.AllSet),          // IPS_HELPER
        ("offload", 1u << 14, StatusMatch.AllSet),         // IPS_OFFLOAD
        ("hw-offload", 1u << 15, StatusMatch.AllSet),      // IPS_HW_OFFLOAD
    ];

    private static readonly Dictionary<string, string> StatusAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["seen_reply"] = "seen-reply", ["src-nat"] = "snat", ["src_nat"] = "snat", ["dst-nat"] = "dnat", ["dst_nat"] = "dnat",
        ["seq_adjust"] = "seq-adjust", ["src_nat_done"] = "snat-done", ["dst_nat_done"] = "dnat-done",
        ["fixed_timeout"] = "fixed-timeout", ["hw_offload"] = "hw-offload", ["nat_clash"] = "nat-clash", ["untracked"] = "nat-clash",
    };

    /// <summary>Known protocol names, for help texts and completion.</summary>
    public static IEnumerable<string> ProtocolNames => ProtocolTable.Select(p => p.Name);
    public static IEnumerable<string> TcpStateNames => TcpStateTable;
    public static IEnumerable<string> StatusNames => StatusTable.Select(s => s.Name);

    /// <summary>Parses a protocol name (tcp, udp, ...) or number 0-255.</summary>
    public static bool TryParseProtocol(string text, out byte protocol)
    {
        foreach (var (name, number) in ProtocolTable)
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase)) { protocol = number; return true; }
        if (ProtocolAliases.TryGetValue(text, out protocol)) return true;
        return byte.TryParse(text, System.Globalization.NumberStyles.None, null, out protocol);
    }

    /// <summary>The protocol's name (as conntrack -L prints it), or its number when it has none.</summary>
    public static string FormatProtocol(byte protocol)
    {
        foreach (var (name, number) in ProtocolTable)
            if (number == protocol) return name;
        return protocol.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Parses a TCP state name, case-insensitive (ESTABLISHED, time_wait, TIME-WAIT; LISTEN is SYN_SENT2).</summary>
    public static bool TryParseTcpState(string text, out byte state)
    {
        var normalized = text.Replace('-', '_');
        if (string.Equals(normalized, "listen", StringComparison.OrdinalIgnoreCase)) { state = 9; return true; }
        for (var i = 0; i < TcpStateTable.Length; i++)
            if (string.Equals(TcpStateTable[i], normalized, StringComparison.OrdinalIgnoreCase)) { state = (byte)i; return true; }
        state = 0;
        return false;
    }

    public static string FormatTcpState(byte state) =>
        state < TcpStateTable.Length ? TcpStateTable[state] : state.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Parses a status word (assured, unreplied, snat, src-nat, SEEN_REPLY, ...).</summary>
    public static bool TryParseStatus(string text, out StatusCondition condition)
    {
        var name = StatusAliases.TryGetValue(text, out var alias) ? alias : text;
        foreach (var entry in StatusTable)
            if (string.Equals(entry.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                condition = new StatusCondition(entry.Name, entry.Mask, entry.Match);
                return true;
            }
        condition = default;
        return false;
    }

    /// <summary>The status bits in conntrack -L's words ([ASSURED], [UNREPLIED], ...), upper case, for display and free-text search.</summary>
    public static IEnumerable<string> DescribeStatus(uint status)
    {
        if ((status & (1u << 1)) == 0) yield return "UNREPLIED";
        if ((status & (1u << 2)) != 0) yield return "ASSURED";
        if ((status & (1u << 4)) != 0) yield return "SNAT";
        if ((status & (1u << 5)) != 0) yield return "DNAT";
        if ((status & (1u << 0)) != 0) yield return "EXPECTED";
        if ((status & (1u << 9)) != 0) yield return "DYING";
        if ((status & (1u << 10)) != 0) yield return "FIXED_TIMEOUT";
        if ((status & (1u << 14)) != 0) yield return "OFFLOAD";
        if ((status & (1u << 15)) != 0) yield return "HW_OFFLOAD";
    }

    /// <summary>Protocols whose tuples carry ports (so sport/dport filters apply to them).</summary>
    /// GRE is left out: its call ids ("keys") are not ports for sport/dport filters.
    public static bool HasPorts(byte protocol) => protocol is 6 or 17 or 33 or 132 or 136;

    public static bool IsIcmp(byte protocol) => protocol is 1 or 58;
}

/// <summary>How a status word tests the status bits.</summary>
public enum StatusMatch : byte
{
    /// <summary>Every bit of the mask is set.</summary>
    AllSet,
    /// <summary>At least one bit of the mask is set.</summary>
    AnySet,
    /// <summary>No bit of the mask is set.</summary>
    NoneSet,
}

/// <summary>A status test as named in the language (e.g. "unreplied" = SEEN_REPLY clear).</summary>
public readonly record struct StatusCondition(string Name, uint Mask, StatusMatch Match)
{
    public bool Matches(uint status) => Match switch
    {
        StatusMatch.AllSet => (status & Mask) == Mask,
        StatusMatch.AnySet => (status & Mask) != 0,
        _ => (status & Mask) == 0,
    };
}
