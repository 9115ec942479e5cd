namespace NatGateway.Conntrack;

/// <summary>CTA_PROTOINFO_TCP: state, window scales and flags (struct nf_ct_tcp_flags) per direction.</summary>
public readonly record struct TcpInfo(TcpState State, byte WindowScaleOriginal, byte WindowScaleReply,
    byte FlagsOriginal, byte FlagsReply);
