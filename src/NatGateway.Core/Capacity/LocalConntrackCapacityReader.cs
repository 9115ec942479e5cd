using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Now;
using NatGateway.Conntrack;
using NatGateway.Netlink;

namespace NatGateway.Core.Capacity;

/// <summary>
/// <see cref="IConntrackCapacityReader"/> for the namespace this process runs in: /proc through
/// <see cref="KernelConntrackFactsReader"/>, statistics through a ctnetlink socket (IPCTNL_MSG_CT_GET_STATS_CPU).
/// </summary>
public sealed class LocalConntrackCapacityReader : IConntrackCapacityReader, IDisposable
{
    private readonly Lock _gate = new();
    private readonly KernelConntrackFactsReader _facts = new();
    private ConntrackClient? _client;

    public KernelConntrackFacts ReadFacts() => _facts.Read();

    public ConntrackStatCounters? ReadStatCounters()
    {
        lock (_gate)
        {
            try
            {
                _client ??= new ConntrackClient();
                long drop = 0, early = 0, failed = 0;
                foreach (var cpu in _client.StatsPerCpu())
                {
                    drop += cpu.Drop;
                    early += cpu.EarlyDrop;
                    failed += cpu.InsertFailed;
                }
                return new ConntrackStatCounters(drop, early, failed);
            }
            catch (Exception e) when (e is NetlinkException or NetlinkParseException or IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                // No nf_conntrack_netlink or no CAP_NET_ADMIN: the Now view shows counts without drop rates.
                _client?.Dispose();
                _client = null;
                return null;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _client?.Dispose();
            _client = null;
        }
    }
}
