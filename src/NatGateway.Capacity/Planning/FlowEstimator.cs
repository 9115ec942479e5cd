using NatGateway.Capacity.Kernel;

namespace NatGateway.Capacity.Planning;

/// <summary>Little's law for conntrack: entries = Σ rate × lifetime, lifetimes built from the configured timeouts.</summary>
public static class FlowEstimator
{
    public const string TcpTimeWait = "nf_conntrack_tcp_timeout_time_wait";
    public const string TcpSynSent = "nf_conntrack_tcp_timeout_syn_sent";
    public const string Udp = "nf_conntrack_udp_timeout";
    public const string UdpStream = "nf_conntrack_udp_timeout_stream";
    public const string Icmp = "nf_conntrack_icmp_timeout";
    public const string Generic = "nf_conntrack_generic_timeout";

    public static FlowEstimate Estimate(ConnectionRates rates, ConntrackTimeouts timeouts)
    {
        Validate(rates);
        var answeredTcp = rates.TcpPerSecond * (1 - rates.TcpUnansweredFraction);
        var streams = rates.UdpPerSecond * rates.UdpStreamFraction;
        var byTimeout = new Dictionary<string, (int, double)>
        {
            // A cleanly closed TCP connection waits TIME_WAIT after its last ACK (FIN_WAIT/LAST_ACK pass in a round trip).
            [TcpTimeWait] = (timeouts.TcpTimeWait, answeredTcp * timeouts.TcpTimeWait),
            [TcpSynSent] = (timeouts.TcpSynSent, rates.TcpPerSecond * rates.TcpUnansweredFraction * timeouts.TcpSynSent),
            [Udp] = (timeouts.Udp, (rates.UdpPerSecond - streams) * timeouts.Udp),
            [UdpStream] = (timeouts.UdpStream, streams * timeouts.UdpStream),
            [Icmp] = (timeouts.Icmp, rates.IcmpPerSecond * timeouts.Icmp),
            [Generic] = (timeouts.Generic, rates.OtherPerSecond * timeouts.Generic),
        };
        var active = answeredTcp * rates.TcpMeanDurationSeconds + streams * rates.UdpStreamMeanDurationSeconds;
        return new FlowEstimate(active + byTimeout.Values.Sum(v => v.Item2), active, byTimeout);
    }

    /// <summary>Shorter values that are still safe for most gateways; a suggestion is only made when it is below the current value.</summary>
    public static int SuggestedSeconds(string sysctl) => sysctl switch
    {
        TcpTimeWait => 30,
        TcpSynSent => 30,
        Udp => 10,
        UdpStream => 60,
        Icmp => 10,
        Generic => 120,
        _ => throw new ArgumentOutOfRangeException(nameof(sysctl), sysctl, "unknown timeout"),
    };

    private static void Validate(ConnectionRates r)
    {
        if (r.TcpPerSecond < 0 || r.UdpPerSecond < 0 || r.IcmpPerSecond < 0 || r.OtherPerSecond < 0)
            throw new ArgumentException("connection rates cannot be negative");
        if (r.TcpUnansweredFraction is < 0 or > 1 || r.UdpStreamFraction is < 0 or > 1)
            throw new ArgumentException("fractions must be between 0 and 1");
        if (r.TcpMeanDurationSeconds < 0 || r.UdpStreamMeanDurationSeconds < 0)
            throw new ArgumentException("durations cannot be negative");
    }
}
