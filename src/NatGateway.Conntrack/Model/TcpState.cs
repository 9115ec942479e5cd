namespace NatGateway.Conntrack;

/// <summary>TCP conntrack states (enum tcp_conntrack, linux/netfilter/nf_conntrack_tcp.h), CTA_PROTOINFO_TCP_STATE.</summary>
public enum TcpState : byte
{
    /// <summary>TCP_CONNTRACK_NONE</summary>
    None = 0,
    /// <summary>TCP_CONNTRACK_SYN_SENT</summary>
    SynSent = 1,
    /// <summary>TCP_CONNTRACK_SYN_RECV</summary>
    SynRecv = 2,
    /// <summary>TCP_CONNTRACK_ESTABLISHED</summary>
    Established = 3,
    /// <summary>TCP_CONNTRACK_FIN_WAIT</summary>
    FinWait = 4,
    /// <summary>TCP_CONNTRACK_CLOSE_WAIT</summary>
    CloseWait = 5,
    /// <summary>TCP_CONNTRACK_LAST_ACK</summary>
    LastAck = 6,
    /// <summary>TCP_CONNTRACK_TIME_WAIT</summary>
    TimeWait = 7,
    /// <summary>TCP_CONNTRACK_CLOSE</summary>
    Close = 8,
    /// <summary>TCP_CONNTRACK_SYN_SENT2 (formerly LISTEN)</summary>
    SynSent2 = 9,
}

public static class TcpStateExtensions
{
    /// <summary>The name conntrack(8) prints, e.g. "ESTABLISHED", "TIME_WAIT".</summary>
    public static string ConntrackName(this TcpState state) => state switch
    {
        TcpState.None => "NONE",
        TcpState.SynSent => "SYN_SENT",
        TcpState.SynRecv => "SYN_RECV",
        TcpState.Established => "ESTABLISHED",
        TcpState.FinWait => "FIN_WAIT",
        TcpState.CloseWait => "CLOSE_WAIT",
        TcpState.LastAck => "LAST_ACK",
        TcpState.TimeWait => "TIME_WAIT",
        TcpState.Close => "CLOSE",
        TcpState.SynSent2 => "SYN_SENT2",
        _ => "UNKNOWN",
    };

    /// <summary>Parses a conntrack(8) state name (case-insensitive).</summary>
    public static bool TryParseConntrackName(string text, out TcpState state)
    {
        foreach (var s in Enum.GetValues<TcpState>())
            if (string.Equals(s.ConntrackName(), text, StringComparison.OrdinalIgnoreCase))
            {
                state = s;
                return true;
            }
        state = default;
        return false;
    }
}
