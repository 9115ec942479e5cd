namespace NatGateway.Netlink.Route;

/// <summary>
/// The read side of rtnetlink we need (NETLINK_ROUTE, the calling thread's network namespace): the link dump and the
/// rule dump. Not thread-safe: one request at a time.
/// </summary>
public sealed class RouteClient : IDisposable
{
    private readonly INetlinkSocket _socket;

    public RouteClient() : this(NetlinkSocket.Open(NetlinkProtocol.Route)) { }

    public RouteClient(INetlinkSocket socket) => _socket = socket;

    /// <summary>Every link of the namespace (`ip -d link show`).</summary>
    public IReadOnlyList<RouteLink> DumpLinks()
    {
        return NetlinkExchange.RunDump(_socket, RouteLink.WriteDumpRequest, "rtnetlink link dump")
            .Where(m => m.Type == (ushort)RouteMessageType.NewLink)
            .Select(m => RouteLink.Parse(m.Payload))
            .ToList();
    }

    /// <summary>The rules of one family (`ip rule show` for AF_INET, `ip -6 rule show` for AF_INET6).</summary>
    public IReadOnlyList<RouteRule> DumpRules(byte family)
    {
        return NetlinkExchange.RunDump(_socket, (w, sequence) => RouteRule.WriteDumpRequest(w, sequence, family), $"rtnetlink rule dump family {family}")
            .Where(m => m.Type == (ushort)RouteMessageType.NewRule)
            .Select(m => RouteRule.Parse(m.Payload))
            .Where(r => r.Family == family)
            .ToList();
    }

    public void Dispose() => _socket.Dispose();
}
