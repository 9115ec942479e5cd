namespace NatGateway.Conntrack.Mirror.Model;

/// <summary>Packet and byte counters per direction (CTA_COUNTERS_ORIG/REPLY; only with nf_conntrack_acct=1).</summary>
public readonly record struct FlowCounters(ulong OriginalPackets, ulong OriginalBytes, ulong ReplyPackets, ulong ReplyBytes)
{
    public ulong Packets => OriginalPackets + ReplyPackets;
    public ulong Bytes => OriginalBytes + ReplyBytes;
}
