using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Now;
using NatGateway.Core.Capacity;

namespace NatGateway.Core.Tests.Capacity;

/// <summary>Kernel facts and counters set by the test (pure-logic tests only; the kernel tests read the real /proc).</summary>
public sealed class FakeCapacityReader : IConntrackCapacityReader
{
    public KernelConntrackFacts Facts { get; set; } = new()
    {
        Kernel = KernelVersion.Parse("6.18.0"),
        MemTotalBytes = 24L << 30,
        ConntrackMax = 262_144,
        Buckets = 262_144,
        Count = 1000,
    };

    public ConntrackStatCounters? Stats { get; set; } = ConntrackStatCounters.Zero;

    public KernelConntrackFacts ReadFacts() => Facts;

    public ConntrackStatCounters? ReadStatCounters() => Stats;
}
