namespace NatGateway.Netlink;

/// <summary>
/// What a netlink client needs from its socket: send a request datagram, receive reply or event datagrams,
/// hand out sequence numbers, size the receive buffer. <see cref="NetlinkSocket"/> is the kernel's; tests pass a
/// fake that answers requests from captured messages (mdlayher/netlink's <c>Socket</c> interface behind
/// <c>NewConn</c>, faked by its <c>nltest</c> package). Failures are <see cref="NetlinkException"/>s, e.g.
/// <see cref="Errno.ENOBUFS"/> from a receive when the kernel dropped messages.
/// </summary>
public interface INetlinkSocket : IDisposable
{
    /// <summary>Our port id (nl_pid); replies are addressed to it (or to 0).</summary>
    uint PortId { get; }

    /// <summary>The next request sequence number (never 0).</summary>
    uint NextSequence();

    /// <summary>Sends one datagram: one request or a batch of requests.</summary>
    void Send(ReadOnlySpan<byte> datagram);

    /// <summary>Blocks until one datagram arrives; returns its length.</summary>
    int Receive(Span<byte> buffer);

    /// <summary>Receives one datagram asynchronously; cancellable.</summary>
    ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Waits up to <paramref name="timeout"/> (negative: forever) until a datagram (or an error) is
    /// ready to receive; false on timeout.</summary>
    bool WaitReadable(TimeSpan timeout);

    /// <summary>Requests a receive buffer size; returns what the socket reports afterwards.</summary>
    int SetReceiveBufferSize(int bytes);

    /// <summary>Requests a send buffer size (it bounds one batched send); returns what the socket reports afterwards.</summary>
    int SetSendBufferSize(int bytes);

    /// <summary>The receive buffer size the socket reports (SO_RCVBUF).</summary>
    int ReceiveBufferSize { get; }
}
