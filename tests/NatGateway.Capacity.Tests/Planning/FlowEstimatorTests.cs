using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Planning;
using Xunit;

namespace NatGateway.Capacity.Tests.Planning;

public sealed class FlowEstimatorTests
{
    private static readonly ConnectionRates Rates = new()
    {
        TcpPerSecond = 100,
        TcpMeanDurationSeconds = 10,
        UdpPerSecond = 1000,
        UdpStreamFraction = 0.1,
        UdpStreamMeanDurationSeconds = 30,
        IcmpPerSecond = 10,
        OtherPerSecond = 1,
    };

    [Fact]
    public void Entries_are_rate_times_lifetime_for_each_part()
    {
        var estimate = FlowEstimator.Estimate(Rates, ConntrackTimeouts.KernelDefaults);

        // TCP: 100/s × 10 s open + 100/s × 120 s TIME_WAIT; UDP: 900/s × 30 s + 100/s × (30 s active + 120 s stream);
        // ICMP 10/s × 30 s; generic 1/s × 600 s.
        Assert.Equal(1000 + 3000, estimate.ActiveTrafficEntries, 6);
        Assert.Equal(12000, estimate.EntriesByTimeout[FlowEstimator.TcpTimeWait].Entries, 6);
        Assert.Equal(27000, estimate.EntriesByTimeout[FlowEstimator.Udp].Entries, 6);
        Assert.Equal(12000, estimate.EntriesByTimeout[FlowEstimator.UdpStream].Entries, 6);
        Assert.Equal(300, estimate.EntriesByTimeout[FlowEstimator.Icmp].Entries, 6);
        Assert.Equal(600, estimate.EntriesByTimeout[FlowEstimator.Generic].Entries, 6);
        Assert.Equal(0, estimate.EntriesByTimeout[FlowEstimator.TcpSynSent].Entries, 6);
        Assert.Equal(55900, estimate.AverageEntries, 6);
    }

    [Fact]
    public void Unanswered_syns_wait_syn_sent_instead_of_time_wait()
    {
        var estimate = FlowEstimator.Estimate(new ConnectionRates { TcpPerSecond = 100, TcpUnansweredFraction = 0.25, TcpMeanDurationSeconds = 0 },
            ConntrackTimeouts.KernelDefaults with { TcpSynSent = 60 });

        Assert.Equal(25 * 60, estimate.EntriesByTimeout[FlowEstimator.TcpSynSent].Entries, 6);
        Assert.Equal(75 * 120, estimate.EntriesByTimeout[FlowEstimator.TcpTimeWait].Entries, 6);
    }

    [Fact]
    public void Configured_timeouts_change_the_estimate()
    {
        var shorter = FlowEstimator.Estimate(new ConnectionRates { UdpPerSecond = 1000, UdpStreamFraction = 0 },
            ConntrackTimeouts.KernelDefaults with { Udp = 10 });
        Assert.Equal(10000, shorter.AverageEntries, 6);
    }

    [Theory]
    [InlineData(-1, 0.1)]
    [InlineData(1, 1.5)]
    public void Rejects_impossible_inputs(double tcp, double streamFraction) =>
        Assert.Throws<ArgumentException>(() => FlowEstimator.Estimate(
            new ConnectionRates { TcpPerSecond = tcp, UdpStreamFraction = streamFraction }, ConntrackTimeouts.KernelDefaults));
}
