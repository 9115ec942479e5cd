namespace NatGateway.Conntrack;

/// <summary>Connection status bits (enum ip_conntrack_status, linux/netfilter/nf_conntrack_common.h), CTA_STATUS.</summary>
[Flags]
public enum FlowStatus : uint
{
    None = 0,
    /// <summary>IPS_EXPECTED: an expected connection (e.g. FTP data)</summary>
    Expected = 1 << 0,
    /// <summary>IPS_SEEN_REPLY: packets seen both ways; conntrack prints [UNREPLIED] when clear</summary>
    SeenReply = 1 << 1,
    /// <summary>IPS_ASSURED: will not be early-dropped; conntrack prints [ASSURED]</summary>
    Assured = 1 << 2,
    /// <summary>IPS_CONFIRMED: in the main table</summary>
    Confirmed = 1 << 3,
    /// <summary>IPS_SRC_NAT: source NAT (SNAT/masquerade) applies</summary>
    SourceNat = 1 << 4,
    /// <summary>IPS_DST_NAT: destination NAT (DNAT/port forward) applies</summary>
    DestinationNat = 1 << 5,
    /// <summary>IPS_SEQ_ADJUST: TCP sequence adjustment (helpers)</summary>
    SequenceAdjust = 1 << 6,
    /// <summary>IPS_SRC_NAT_DONE</summary>
    SourceNatDone = 1 << 7,
    /// <summary>IPS_DST_NAT_DONE</summary>
    DestinationNatDone = 1 << 8,
    /// <summary>IPS_DYING</summary>
    Dying = 1 << 9,
    /// <summary>IPS_FIXED_TIMEOUT</summary>
    FixedTimeout = 1 << 10,
    /// <summary>IPS_TEMPLATE</summary>
    Template = 1 << 11,
    /// <summary>IPS_NAT_CLASH (formerly IPS_UNTRACKED)</summary>
    NatClash = 1 << 12,
    /// <summary>IPS_HELPER</summary>
    Helper = 1 << 13,
    /// <summary>IPS_OFFLOAD: flowtable offload; conntrack prints [OFFLOAD]</summary>
    Offload = 1 << 14,
    /// <summary>IPS_HW_OFFLOAD; conntrack prints [HW_OFFLOAD]</summary>
    HardwareOffload = 1 << 15,
}
