namespace NatGateway.Netlink.Netfilter;

/// <summary>
/// Receives nf_tables trace events (<c>nft monitor trace</c>) on a NETLINK_NETFILTER socket bound to NFNLGRP_NFTRACE.
/// The kernel only builds events while the group has a listener (nft_trace_notify checks nfnetlink_has_listeners), so
/// open this before arming <c>meta nftrace set 1</c>. The socket belongs to the network namespace of the constructing
/// thread. ENOBUFS (the kernel dropped events) is counted in <see cref="EventsLost"/> and receiving goes on.
/// </summary>
public sealed class NftTraceListener : IDisposable
{
    private readonly INetlinkSocket _socket;
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(1 << 16);

    public NftTraceListener(int receiveBufferBytes = 4 << 20)
        : this(NetlinkSocket.Open(NetlinkProtocol.Netfilter, NetfilterGroups.Mask(NetfilterGroup.NfTrace)), receiveBufferBytes) { }

    /// <summary>A listener over a socket already joined to NFNLGRP_NFTRACE (or a fake replaying captured datagrams).</summary>
    public NftTraceListener(INetlinkSocket socket, int receiveBufferBytes = 4 << 20)
    {
        _socket = socket;
        _socket.SetReceiveBufferSize(receiveBufferBytes);
    }

    /// <summary>How many times the kernel reported ENOBUFS (trace events dropped).</summary>
    public long EventsLost { get; private set; }

    /// <summary>Waits up to <paramref name="timeout"/> for one datagram and returns the trace events in it (empty on
    /// timeout). Messages of other kinds are skipped.</summary>
    public IReadOnlyList<NftTraceEvent> Receive(TimeSpan timeout)
    {
        if (!_socket.WaitReadable(timeout)) return [];
        int received;
        try
        {
            received = _socket.Receive(_buffer);
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENOBUFS)
        {
            EventsLost++;
            return [];
        }
        return DecodeDatagram(_buffer.AsSpan(0, received));
    }

    /// <summary>The trace events of one received datagram.</summary>
    public static IReadOnlyList<NftTraceEvent> DecodeDatagram(ReadOnlySpan<byte> datagram)
    {
        var events = new List<NftTraceEvent>();
        var messages = new NetlinkMessageReader(datagram);
        while (messages.Next())
            if (NftTraceDecoder.IsTrace(messages.Header))
                events.Add(NftTraceDecoder.Decode(messages.Payload));
        if (messages.Error is not null) throw new NetlinkParseException(messages.Error);
        return events;
    }

    public void Dispose() => _socket.Dispose();
}
