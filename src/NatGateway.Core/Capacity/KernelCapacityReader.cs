using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Now;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Capacity;

/// <summary><see cref="IConntrackCapacityReader"/> over the kernel boundary: facts from <see cref="IGatewayKernel.ReadConntrackFacts"/>,
/// counters summed from the per-CPU statistics (IPCTNL_MSG_CT_GET_STATS_CPU).</summary>
public sealed class KernelCapacityReader(IGatewayKernel kernel) : IConntrackCapacityReader
{
    public KernelConntrackFacts ReadFacts() => kernel.ReadConntrackFacts();

    public ConntrackStatCounters? ReadStatCounters()
    {
        try
        {
            long drop = 0, early = 0, failed = 0;
            foreach (var cpu in kernel.Conntrack.ReadCpuStats())
            {
                drop += cpu.Drop;
                early += cpu.EarlyDrop;
                failed += cpu.InsertFailed;
            }
            return new ConntrackStatCounters(drop, early, failed);
        }
        catch (Exception e) when (e is NatGateway.Netlink.NetlinkException or NatGateway.Netlink.NetlinkParseException or IOException
            or System.Net.Sockets.SocketException or InvalidOperationException or KernelUnavailableException)
        {
            // No nf_conntrack_netlink, no CAP_NET_ADMIN or no agent: the Now view shows counts without drop rates.
            return null;
        }
    }
}
