namespace NatGateway.Capacity.Kernel;

/// <summary>
/// The conntrack timeouts (seconds) that decide how long an entry stays in the table,
/// from /proc/sys/net/netfilter/nf_conntrack_*_timeout*. Defaults are the kernel's (6.x).
/// </summary>
public sealed record ConntrackTimeouts
{
    public int TcpSynSent { get; init; } = 120;
    public int TcpSynRecv { get; init; } = 60;
    public int TcpEstablished { get; init; } = 432000;
    public int TcpFinWait { get; init; } = 120;
    public int TcpCloseWait { get; init; } = 60;
    public int TcpLastAck { get; init; } = 30;
    public int TcpTimeWait { get; init; } = 120;
    public int TcpClose { get; init; } = 10;
    public int TcpUnacknowledged { get; init; } = 300;
    public int Udp { get; init; } = 30;
    public int UdpStream { get; init; } = 120;
    public int Icmp { get; init; } = 30;
    public int Generic { get; init; } = 600;

    public static ConntrackTimeouts KernelDefaults { get; } = new();
}
