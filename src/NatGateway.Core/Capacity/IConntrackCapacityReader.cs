using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Now;

namespace NatGateway.Core.Capacity;

/// <summary>
/// The read side of the kernel boundary for capacity planning: the facts the memory model is sized from and the
/// conntrack statistics. Writes never go through here: they use <see cref="Kernel.IGatewayKernel.Sysctl"/>.
/// </summary>
public interface IConntrackCapacityReader
{
    /// <summary>Slab sizes, RAM, nf_conntrack_max/buckets/count and the timeouts of this namespace
    /// (<c>grep nf_conntrack /proc/slabinfo; sysctl net.netfilter</c>).</summary>
    KernelConntrackFacts ReadFacts();

    /// <summary>drop / early_drop / insert_failed summed over CPUs (<c>conntrack -S</c>); null when ctnetlink is unavailable.</summary>
    ConntrackStatCounters? ReadStatCounters();
}
