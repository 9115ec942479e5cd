namespace NatGateway.Nat;

/// <summary>
/// Conntrack timeouts for the flows one rule translates, in seconds (null = the kernel's sysctl default), compiled to an
/// nft <c>ct timeout</c> object set on the flow's first packet (nft_ct_timeout_obj_eval() attaches it to the unconfirmed
/// entry). JSON: <c>"timeouts": {"tcpEstablished": 86400, "udpUnreplied": 5, "udpReplied": 10}</c>.
/// </summary>
public sealed record ConntrackTimeoutPolicy
{
    /// <summary>nf_conntrack_tcp_timeout_established's role: idle time of an established TCP flow.</summary>
    public int? TcpEstablished { get; init; }
    /// <summary>nf_conntrack_udp_timeout's role: a UDP flow that has seen traffic one way only.</summary>
    public int? UdpUnreplied { get; init; }
    /// <summary>nf_conntrack_udp_timeout_stream's role: a UDP flow with replies.</summary>
    public int? UdpReplied { get; init; }

    public bool IsEmpty => TcpEstablished is null && UdpUnreplied is null && UdpReplied is null;
}
