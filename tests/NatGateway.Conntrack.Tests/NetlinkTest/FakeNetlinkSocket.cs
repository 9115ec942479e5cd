using NatGateway.Netlink;

namespace NatGateway.Conntrack.Tests.NetlinkTest;

/// <summary>Answers the messages of one sent datagram with reply datagrams (nltest's <c>Func</c>).</summary>
public delegate IEnumerable<byte[]> NetlinkFunc(IReadOnlyList<NetlinkMessage> requests);

/// <summary>
/// An <see cref="INetlinkSocket"/> without a kernel, in the style of mdlayher/netlink's nltest.Dial: every datagram
/// the client sends is split into messages and given to a <see cref="NetlinkFunc"/>, whose reply datagrams are queued
/// for the client's receives. <see cref="Push"/> and <see cref="PushError"/> queue datagrams or receive errors
/// (e.g. ENOBUFS on an event socket) directly. A blocking <see cref="Receive"/> with nothing queued fails at once
/// instead of hanging: with a fake, "no reply" is a bug in the test or in the client.
/// Thread-safe: the client's dump pipeline receives on its own thread.
/// </summary>
public sealed class FakeNetlinkSocket : INetlinkSocket
{
    /// <summary>The port id the fake reports; replies built by <see cref="NetlinkReplies"/> are addressed to it.</summary>
    public const uint DefaultPortId = 4242;

    private readonly NetlinkFunc? _answer;
    private readonly Queue<(byte[]? Datagram, Errno Error)> _queue = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly List<byte[]> _sent = new();
    private readonly object _lock = new();
    private uint _sequence;

    /// <param name="answer">Replies to each sent datagram; null for a socket that only receives (events).</param>
    /// <param name="firstSequence">The first sequence number <see cref="NextSequence"/> hands out (golden requests use 1).</param>
    public FakeNetlinkSocket(NetlinkFunc? answer = null, uint portId = DefaultPortId, uint firstSequence = 1)
    {
        _answer = answer;
        PortId = portId;
        _sequence = firstSequence - 1;
    }

    /// <summary>A fake that answers each message of a datagram in turn, as the kernel's netlink_rcv_skb
    /// handles a batch: the replies of all messages are concatenated.</summary>
    public static FakeNetlinkSocket PerMessage(Func<NetlinkMessage, IEnumerable<byte[]>> answer, uint firstSequence = 1) =>
        new(requests => requests.SelectMany(answer).ToList(), firstSequence: firstSequence);

    public uint PortId { get; }

    /// <summary>Every datagram sent, in order.</summary>
    public IReadOnlyList<byte[]> SentDatagrams { get { lock (_lock) return _sent.ToList(); } }

    /// <summary>Every message sent, in order, across datagrams.</summary>
    public IReadOnlyList<NetlinkMessage> SentMessages => SentDatagrams.SelectMany(d => NetlinkMessage.Parse(d)).ToList();

    public int ReceiveBufferSize { get; private set; }
    public int SendBufferSize { get; private set; }
    public bool Disposed { get; private set; }

    /// <summary>Datagrams queued and not received yet.</summary>
    public int Pending => _available.CurrentCount;

    public uint NextSequence()
    {
        lock (_lock) return ++_sequence == 0 ? ++_sequence : _sequence;
    }

    public void Send(ReadOnlySpan<byte> datagram)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        var copy = datagram.ToArray();
        lock (_lock) _sent.Add(copy);
        if (_answer is null) return;
        foreach (var reply in _answer(NetlinkMessage.Parse(copy))) Push(reply);
    }

    /// <summary>Queues a datagram for the next receive (an event, or a reply out of band).</summary>
    public void Push(byte[] datagram) => Enqueue((datagram, 0));

    /// <summary>Queues a receive error: the next receive throws <see cref="NetlinkException"/> with this errno,
    /// as <see cref="NetlinkSocket"/> does (ENOBUFS after the kernel dropped messages).</summary>
    public void PushError(Errno errno) => Enqueue((null, errno));

    private void Enqueue((byte[]?, Errno) item)
    {
        lock (_lock) _queue.Enqueue(item);
        _available.Release();
    }

    public int Receive(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        if (!_available.Wait(0))
            throw new InvalidOperationException("the client waited for a datagram the fake socket never queued");
        return Take(buffer);
    }

    public async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
        return Take(buffer.Span);
    }

    public bool WaitReadable(TimeSpan timeout)
    {
        if (!_available.Wait(timeout < TimeSpan.Zero ? Timeout.InfiniteTimeSpan : timeout)) return false;
        _available.Release(); // only peeked
        return true;
    }

    private int Take(Span<byte> buffer)
    {
        (byte[]? Datagram, Errno Error) item;
        lock (_lock) item = _queue.Dequeue();
        if (item.Datagram is null) throw new NetlinkException(item.Error, context: "netlink receive");
        if (item.Datagram.Length > buffer.Length)
            throw new InvalidOperationException($"a {item.Datagram.Length}-byte datagram does not fit the client's {buffer.Length}-byte buffer");
        item.Datagram.CopyTo(buffer);
        return item.Datagram.Length;
    }

    public int SetReceiveBufferSize(int bytes) => ReceiveBufferSize = bytes * 2; // the kernel doubles it (sock_setsockopt)
    public int SetSendBufferSize(int bytes) => SendBufferSize = bytes * 2;

    public void Dispose() => Disposed = true;
}
