namespace NatGateway.Capacity.Planning;

/// <summary>
/// New connections per second per protocol and how they end, to estimate the table from the configured timeouts
/// (entries ≈ rate × time each entry stays in the table).
/// </summary>
public sealed record ConnectionRates
{
    public double TcpPerSecond { get; init; }
    public double UdpPerSecond { get; init; }
    public double IcmpPerSecond { get; init; }
    /// <summary>Protocols tracked by the generic tracker (e.g. ESP), each entry lives nf_conntrack_generic_timeout.</summary>
    public double OtherPerSecond { get; init; }

    /// <summary>Mean time a TCP connection is open (SYN to FIN); after it closes the entry still sits in TIME_WAIT.</summary>
    public double TcpMeanDurationSeconds { get; init; } = 10;
    /// <summary>Share of TCP SYNs never answered (scans, dead servers): they stay nf_conntrack_tcp_timeout_syn_sent.</summary>
    public double TcpUnansweredFraction { get; init; }
    /// <summary>Share of UDP flows that become streams (replies and continued traffic): these use nf_conntrack_udp_timeout_stream; the rest (DNS-like one-shots, unreplied) use nf_conntrack_udp_timeout.</summary>
    public double UdpStreamFraction { get; init; } = 0.1;
    /// <summary>Mean time a UDP stream keeps sending before going idle.</summary>
    public double UdpStreamMeanDurationSeconds { get; init; } = 30;
}
