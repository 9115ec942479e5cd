namespace NatGateway.Conntrack;

/// <summary>Which optional attributes the kernel sent for a flow (they vary with sysctls and event type).</summary>
[Flags]
public enum FlowFields : ushort
{
    None = 0,
    Status = 1 << 0,
    Timeout = 1 << 1,
    Mark = 1 << 2,
    Zone = 1 << 3,
    Id = 1 << 4,
    Use = 1 << 5,
    Counters = 1 << 6,
    Timestamp = 1 << 7,
    Labels = 1 << 8,
    TcpInfo = 1 << 9,
    SctpState = 1 << 10,
    DccpState = 1 << 11,
    Reply = 1 << 12,
    Original = 1 << 13,
    TimestampStop = 1 << 14,
    SecurityMark = 1 << 15,
}
