using NatGateway.Netlink.Netfilter;

namespace NatGateway.Core.Tracing;

/// <summary>
/// Turns the kernel's trace events into <see cref="TracedPacket"/>s: hops grouped per packet, in arrival order.
/// </summary>
/// <remarks>
/// A trace id is not unique over time: nft_trace_init derives it from the skb's address, hash and input interface
/// (net/netfilter/nf_tables_trace.c), and a reused skb for the next segment of the same flow gives the same id (seen
/// here: the SYN and a later data segment shared one). The arm chain is the first hook a probed packet crosses, so an
/// event of the arm chain starts a new packet even for an id seen before. Events of ids that never passed the arm chain
/// belong to someone else's <c>meta nftrace set 1</c> and are ignored. The arm chain's own hops (the nftrace rule and
/// its accept policy) and the chain-end sentinel the kernel reports as a rule event without a handle (nft monitor trace
/// prints nothing for it either) are left out.
/// </remarks>
public sealed class TraceAssembler(string armFamily, string armTable, int maxPackets, Func<uint, string?> interfaceName,
    Func<string, string, ulong, TraceRuleInfo?> ruleInfo, Func<string, string, bool> isOurTable)
{
    private sealed class Packet(uint id)
    {
        public uint Id { get; } = id;
        public string? InInterface;
        public string? OutInterface;
        public bool LeftArmChain;
        public readonly List<NftTraceEvent> Events = [];
    }

    private readonly List<Packet> _packets = [];
    private readonly Dictionary<uint, Packet> _open = [];

    /// <summary>Packets started so far.</summary>
    public int Count => _packets.Count;

    /// <summary>A packet beyond <c>maxPackets</c> arrived: the trace was cut short.</summary>
    public bool Truncated { get; private set; }

    /// <summary>Feeds one event; false when it was not ours (or came after the bound).</summary>
    public bool Add(NftTraceEvent e)
    {
        var family = FamilyName(e.Family);
        var inArm = family == armFamily && e.Table == armTable;
        _open.TryGetValue(e.Id, out var packet);
        if (inArm && (packet is null || packet.LeftArmChain))
        {
            if (_packets.Count >= maxPackets)
            {
                Truncated = true;
                return false;
            }
            packet = new Packet(e.Id);
            _packets.Add(packet);
            _open[e.Id] = packet;
        }
        if (packet is null) return false;
        if (!inArm) packet.LeftArmChain = true;
        if (e.InInterfaceIndex is { } iif && packet.InInterface is null) packet.InInterface = interfaceName(iif);
        if (e.OutInterfaceIndex is { } oif) packet.OutInterface = interfaceName(oif);
        if (inArm) return true;
        if (e.Type == NftTraceType.Rule && e.RuleHandle is null) return true; // chain-end sentinel
        packet.Events.Add(e);
        return true;
    }

    /// <summary>The packets with their hops (rule text and rule id looked up now, after the window).</summary>
    public IReadOnlyList<TracedPacket> Build() =>
        _packets.Select(p => new TracedPacket(p.Id, p.InInterface, p.OutInterface, p.Events.Select(ToHop).ToList())).ToList();

    private TraceHop ToHop(NftTraceEvent e)
    {
        var family = FamilyName(e.Family);
        var table = e.Table ?? "";
        var ours = isOurTable(family, table);
        var info = e.RuleHandle is { } handle ? ruleInfo(family, table, handle) : null;
        return new TraceHop(family, table, e.Chain ?? "", Kind(e.Type), e.RuleHandle, info?.Text, Verdict(e.Decision), e.JumpTarget,
            ours, ours ? info?.RuleId : null);
    }

    /// <summary>nft's family names for the nfgenmsg family (NFPROTO_*).</summary>
    public static string FamilyName(byte family) => family switch
    {
        1 => "inet",
        2 => "ip",
        3 => "arp",
        5 => "netdev",
        7 => "bridge",
        10 => "ip6",
        _ => $"family {family}",
    };

    public static TraceEventKind Kind(NftTraceType type) => type switch
    {
        NftTraceType.Policy => TraceEventKind.Policy,
        NftTraceType.Return => TraceEventKind.Return,
        _ => TraceEventKind.Rule,
    };

    public static TraceVerdict Verdict(int? code) => code switch
    {
        NftVerdictCode.Drop => TraceVerdict.Drop,
        NftVerdictCode.Accept => TraceVerdict.Accept,
        NftVerdictCode.Stolen => TraceVerdict.Stolen,
        NftVerdictCode.Queue => TraceVerdict.Queue,
        NftVerdictCode.Repeat => TraceVerdict.Repeat,
        NftVerdictCode.Break => TraceVerdict.Break,
        NftVerdictCode.Jump => TraceVerdict.Jump,
        NftVerdictCode.Goto => TraceVerdict.Goto,
        NftVerdictCode.Return => TraceVerdict.Return,
        // NFT_CONTINUE, and a return event at the end of a regular chain (the kernel sends continue there).
        _ => TraceVerdict.Continue,
    };
}

/// <summary>What the ruleset listing says about one rule: its text as <c>nft list</c> prints it and, for our rules, the
/// rule id from its comment.</summary>
public sealed record TraceRuleInfo(string Text, Guid? RuleId);
