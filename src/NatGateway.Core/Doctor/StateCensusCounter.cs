using NatGateway.Capacity.Kernel;
using NatGateway.Conntrack;

namespace NatGateway.Core.Doctor;

/// <summary>The state names a <see cref="StateCensus"/> uses: TCP states as conntrack(8) prints them, plus these.</summary>
public static class CensusStates
{
    /// <summary>UDP entries that never saw a reply (IPS_SEEN_REPLY clear).</summary>
    public const string UdpUnreplied = "UDP_UNREPLIED";
    /// <summary>UDP entries that saw a reply but are not assured yet.</summary>
    public const string UdpReplied = "UDP_REPLIED";
    /// <summary>UDP entries the kernel treats as a stream (IPS_ASSURED).</summary>
    public const string UdpAssured = "UDP_ASSURED";
    /// <summary>ICMP and ICMPv6 entries.</summary>
    public const string Icmp = "ICMP";
    /// <summary>Any other protocol (GRE, SCTP, DCCP, ...): the generic timeout.</summary>
    public const string Other = "OTHER";

    /// <summary>The census name of a TCP state ("ESTABLISHED", "TIME_WAIT", ...).</summary>
    public static string Tcp(TcpState state) => state.ConntrackName();
}

/// <summary>
/// Counts conntrack entries by the state that decides their timeout, one flow at a time (from a dump or a mirror scan),
/// and names each state's timeout sysctl with its value in force: which timeout holds the table.
/// </summary>
public sealed class StateCensusCounter
{
    private readonly long[] _tcp = new long[Enum.GetValues<TcpState>().Length];
    private long _udpUnreplied, _udpReplied, _udpAssured, _icmp, _other;

    public long Total { get; private set; }

    public void Add(in Flow flow)
    {
        Total++;
        switch (flow.Protocol)
        {
            case IPProtocol.Tcp:
                // NONE has no timeout of its own (tcp_timeouts[] in nf_conntrack_proto_tcp.c starts at SYN_SENT): OTHER.
                var state = (int)flow.TcpState;
                if (state > 0 && state < _tcp.Length) _tcp[state]++;
                else _other++;
                break;
            case IPProtocol.Udp or IPProtocol.UdpLite:
                if (flow.IsUnreplied) _udpUnreplied++;
                else if (flow.IsAssured) _udpAssured++;
                else _udpReplied++;
                break;
            case IPProtocol.Icmp or IPProtocol.IcmpV6:
                _icmp++;
                break;
            default:
                _other++;
                break;
        }
    }

    /// <summary>The states that hold entries, most entries first, each with its timeout sysctl and value.</summary>
    public StateCensus Result(ConntrackTimeouts timeouts)
    {
        var states = new List<StateCount>();
        void Add(string name, long entries, string key, int seconds)
        {
            if (entries > 0) states.Add(new StateCount(name, entries, "net.netfilter." + key, seconds));
        }
        foreach (var state in Enum.GetValues<TcpState>().Where(s => s != TcpState.None))
        {
            var (key, seconds) = TcpTimeout(state, timeouts);
            Add(CensusStates.Tcp(state), _tcp[(int)state], key, seconds);
        }
        // nf_conntrack_udp_packet() (net/netfilter/nf_conntrack_proto_udp.c): an entry that has seen both directions
        // and lived past the stream test is assured and refreshed with udp_timeout_stream; all others with udp_timeout.
        Add(CensusStates.UdpUnreplied, _udpUnreplied, "nf_conntrack_udp_timeout", timeouts.Udp);
        Add(CensusStates.UdpReplied, _udpReplied, "nf_conntrack_udp_timeout", timeouts.Udp);
        Add(CensusStates.UdpAssured, _udpAssured, "nf_conntrack_udp_timeout_stream", timeouts.UdpStream);
        Add(CensusStates.Icmp, _icmp, "nf_conntrack_icmp_timeout", timeouts.Icmp);
        Add(CensusStates.Other, _other, "nf_conntrack_generic_timeout", timeouts.Generic);
        return new StateCensus(Total, states.OrderByDescending(s => s.Entries).ThenBy(s => s.State, StringComparer.Ordinal).ToList());
    }

    // tcp_timeouts[] and the sysctl table of nf_conntrack_standalone.c: one sysctl per state except SYN_SENT2, which
    // shares SYN_SENT's value (both 2 min by default; tcp_timeouts[TCP_CONNTRACK_SYN_SENT2] has no sysctl of its own).
    private static (string Key, int Seconds) TcpTimeout(TcpState state, ConntrackTimeouts t) => state switch
    {
        TcpState.SynSent or TcpState.SynSent2 => ("nf_conntrack_tcp_timeout_syn_sent", t.TcpSynSent),
        TcpState.SynRecv => ("nf_conntrack_tcp_timeout_syn_recv", t.TcpSynRecv),
        TcpState.Established => ("nf_conntrack_tcp_timeout_established", t.TcpEstablished),
        TcpState.FinWait => ("nf_conntrack_tcp_timeout_fin_wait", t.TcpFinWait),
        TcpState.CloseWait => ("nf_conntrack_tcp_timeout_close_wait", t.TcpCloseWait),
        TcpState.LastAck => ("nf_conntrack_tcp_timeout_last_ack", t.TcpLastAck),
        TcpState.TimeWait => ("nf_conntrack_tcp_timeout_time_wait", t.TcpTimeWait),
        TcpState.Close => ("nf_conntrack_tcp_timeout_close", t.TcpClose),
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "no timeout of its own"),
    };
}
