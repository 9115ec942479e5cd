namespace NatGateway.Conntrack;

/// <summary>Per-direction accounting (CTA_COUNTERS_ORIG / CTA_COUNTERS_REPLY); present only when
/// net.netfilter.nf_conntrack_acct=1 (conntrack prints packets=... bytes=...).</summary>
public readonly record struct FlowCounters(ulong Packets, ulong Bytes);
