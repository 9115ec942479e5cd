namespace NatGateway.Conntrack;

/// <summary>
/// One conntrack entry as ctnetlink reports it (conntrack -L -o extended shows the same fields).
/// A value type so a dump of a million entries allocates nothing per entry; <see cref="Present"/> says
/// which optional fields the kernel sent.
/// NAT is visible by comparing <see cref="Original"/> and <see cref="Reply"/>: with SNAT the reply
/// destination is the translated source; with DNAT the reply source is the translated destination.
/// </summary>
public record struct Flow
{
    /// <summary>nfgen_family of the message (AF_INET / AF_INET6).</summary>
    public IPFamily Family { get; set; }
    /// <summary>CTA_TUPLE_ORIG: as the first packet was seen.</summary>
    public FlowTuple Original { get; set; }
    /// <summary>CTA_TUPLE_REPLY: the tuple expected for replies (after NAT).</summary>
    public FlowTuple Reply { get; set; }
    /// <summary>CTA_STATUS</summary>
    public FlowStatus Status { get; set; }
    /// <summary>CTA_TIMEOUT: seconds until expiry.</summary>
    public uint Timeout { get; set; }
    /// <summary>CTA_MARK (ct mark)</summary>
    public uint Mark { get; set; }
    /// <summary>CTA_ZONE (0 is the default zone and is not sent by the kernel)</summary>
    public ushort Zone { get; set; }
    /// <summary>CTA_ID: the kernel's id for this entry (conntrack -o id).</summary>
    public uint Id { get; set; }
    /// <summary>CTA_USE: reference count.</summary>
    public uint Use { get; set; }
    /// <summary>CTA_SECMARK</summary>
    public uint SecurityMark { get; set; }
    /// <summary>CTA_COUNTERS_ORIG (nf_conntrack_acct=1)</summary>
    public FlowCounters OriginalCounters { get; set; }
    /// <summary>CTA_COUNTERS_REPLY (nf_conntrack_acct=1)</summary>
    public FlowCounters ReplyCounters { get; set; }
    /// <summary>CTA_TIMESTAMP_START in nanoseconds since the Unix epoch (nf_conntrack_timestamp=1).</summary>
    public ulong StartNanoseconds { get; set; }
    /// <summary>CTA_TIMESTAMP_STOP in nanoseconds since the Unix epoch (destroy events).</summary>
    public ulong StopNanoseconds { get; set; }
    /// <summary>CTA_LABELS</summary>
    public ConntrackLabels Labels { get; set; }
    /// <summary>CTA_PROTOINFO_TCP</summary>
    public TcpInfo Tcp { get; set; }
    /// <summary>CTA_PROTOINFO_SCTP_STATE (enum sctp_conntrack)</summary>
    public byte SctpState { get; set; }
    /// <summary>CTA_PROTOINFO_DCCP_STATE</summary>
    public byte DccpState { get; set; }
    public FlowFields Present { get; set; }

    public readonly IPProtocol Protocol => Original.Protocol;
    public readonly TcpState TcpState => Tcp.State;

    /// <summary>Start time when timestamps are on.</summary>
    public readonly DateTimeOffset? Start => (Present & FlowFields.Timestamp) != 0
        ? DateTimeOffset.UnixEpoch.AddTicks((long)(StartNanoseconds / 100)) : null;

    public readonly bool IsSourceNat => (Status & FlowStatus.SourceNat) != 0;
    public readonly bool IsDestinationNat => (Status & FlowStatus.DestinationNat) != 0;
    public readonly bool IsAssured => (Status & FlowStatus.Assured) != 0;
    public readonly bool IsUnreplied => (Status & FlowStatus.SeenReply) == 0;

    /// <summary>A flow to create with <see cref="ConntrackClient.Create(in Flow)"/>: reply tuple is the inverse
    /// of the original (no NAT), TCP starts ESTABLISHED.</summary>
    public static Flow ForCreate(FlowTuple original, uint timeoutSeconds, FlowStatus status = FlowStatus.Assured | FlowStatus.SeenReply, uint mark = 0)
    {
        var flow = new Flow
        {
            Family = original.Family,
            Original = original,
            Reply = original.Inverted(),
            Timeout = timeoutSeconds,
            Status = status,
            Mark = mark,
            Present = FlowFields.Original | FlowFields.Reply | FlowFields.Timeout | FlowFields.Status | FlowFields.Mark,
        };
        if (original.Protocol == IPProtocol.Tcp)
        {
            flow.Tcp = new TcpInfo(TcpState.Established, 0, 0, 0, 0);
            flow.Present |= FlowFields.TcpInfo;
        }
        return flow;
    }
}
