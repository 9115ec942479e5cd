using NatGateway.Conntrack.Kernel;
using NatGateway.Netlink;
using NatGateway.Netlink.Netfilter;

namespace NatGateway.Conntrack;

/// <summary>
/// Receives conntrack events (conntrack -E [-e NEW,UPDATES,DESTROY]) on its own multicast socket with a
/// large receive buffer. When the kernel drops events because the queue is full (ENOBUFS), the receive
/// methods throw <see cref="EventsLostException"/> once and then keep working; <see cref="EventsLost"/>
/// counts those overflows. A caller mirroring the table must re-dump after a loss.
/// The socket belongs to the network namespace of the constructing thread.
/// </summary>
public sealed class ConntrackListener : IDisposable
{
    private readonly INetlinkSocket _socket;
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(1 << 20);

    /// <param name="groups">Event kinds to join.</param>
    /// <param name="receiveBufferBytes">SO_RCVBUFFORCE request; a burst of 100,000 events/s needs tens of MiB.</param>
    public ConntrackListener(FlowEventGroups groups = FlowEventGroups.All, int receiveBufferBytes = 64 << 20)
        : this(NetlinkSocket.Open(NetlinkProtocol.Netfilter, (uint)groups), groups, receiveBufferBytes) { }

    /// <summary>A listener over a given socket already joined to <paramref name="groups"/>, e.g. a fake that
    /// replays captured events (and ENOBUFS) in unit tests. The listener owns the socket (disposes it).</summary>
    public ConntrackListener(INetlinkSocket socket, FlowEventGroups groups, int receiveBufferBytes = 64 << 20)
    {
        _socket = socket;
        _socket.SetReceiveBufferSize(receiveBufferBytes);
        Groups = groups;
    }

    public FlowEventGroups Groups { get; }

    /// <summary>Actual receive buffer size the kernel granted (bytes, as SO_RCVBUF reports).</summary>
    public int ReceiveBufferSize => _socket.ReceiveBufferSize;

    /// <summary>How many times the kernel reported ENOBUFS (events dropped).</summary>
    public long EventsLost { get; private set; }

    /// <summary>Events delivered so far.</summary>
    public long EventsReceived { get; private set; }

    /// <summary>Waits up to <paramref name="timeout"/> for one datagram and hands each event in it to
    /// <paramref name="handler"/>. Returns the number of events (0 on timeout).
    /// Throws <see cref="EventsLostException"/> when events were dropped.</summary>
    public int Receive(FlowEventHandler handler, TimeSpan timeout)
    {
        if (!_socket.WaitReadable(timeout)) return 0;
        return ReceiveNow(handler);
    }

    /// <summary>Asynchronously receives one datagram of events. Throws <see cref="EventsLostException"/> on loss,
    /// <see cref="OperationCanceledException"/> when cancelled.</summary>
    public async ValueTask<int> ReceiveAsync(FlowEventHandler handler, CancellationToken cancellationToken)
    {
        int received;
        try
        {
            received = await _socket.ReceiveAsync(_buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENOBUFS)
        {
            EventsLost++;
            throw new EventsLostException();
        }
        return Dispatch(received, handler);
    }

    /// <summary>Receives and dispatches events until cancelled. <paramref name="onEventsLost"/> is called on
    /// ENOBUFS (then listening continues); without it the <see cref="EventsLostException"/> propagates.</summary>
    public async Task ListenAsync(FlowEventHandler handler, CancellationToken cancellationToken, Action? onEventsLost = null)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ReceiveAsync(handler, cancellationToken).ConfigureAwait(false);
            }
            catch (EventsLostException) when (onEventsLost is not null)
            {
                onEventsLost();
            }
        }
    }

    /// <summary>Receives one event datagram without decoding it (for <c>natgw agent</c>'s relay; the client decodes it with
    /// <see cref="TryDecodeEvent"/>). Waits up to <paramref name="timeout"/>; returns its length, 0 on timeout.
    /// Throws <see cref="EventsLostException"/> on ENOBUFS like the decoding receives.</summary>
    public int ReceiveRaw(Span<byte> buffer, TimeSpan timeout)
    {
        if (!_socket.WaitReadable(timeout)) return 0;
        try
        {
            return _socket.Receive(buffer);
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENOBUFS)
        {
            EventsLost++;
            throw new EventsLostException();
        }
    }

    private int ReceiveNow(FlowEventHandler handler)
    {
        int received;
        try
        {
            received = _socket.Receive(_buffer);
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENOBUFS)
        {
            EventsLost++;
            throw new EventsLostException();
        }
        return Dispatch(received, handler);
    }

    private int Dispatch(int received, FlowEventHandler handler)
    {
        var count = 0;
        var messages = new NetlinkMessageReader(_buffer.AsSpan(0, received));
        while (messages.Next())
        {
            if (!TryDecodeEvent(messages.Header, messages.Payload, out var flowEvent)) continue;
            count++;
            EventsReceived++;
            handler(in flowEvent);
        }
        if (messages.Error is not null) throw new NetlinkParseException(messages.Error);
        return count;
    }

    /// <summary>Classifies an event message: NEW with NLM_F_CREATE is a new entry, NEW without it an update,
    /// DELETE a destroy. Non-conntrack messages return false.</summary>
    public static bool TryDecodeEvent(NetlinkMessageHeader header, ReadOnlySpan<byte> payload, out FlowEvent flowEvent)
    {
        flowEvent = default;
        if (NetfilterMessageType.Subsystem(header.Type) != NetfilterSubsystem.Ctnetlink) return false;
        FlowEventType type;
        switch ((CtnetlinkMessage)NetfilterMessageType.Message(header.Type))
        {
            case CtnetlinkMessage.New:
                type = (header.Flags & (NetlinkMessageFlags.Create | NetlinkMessageFlags.Excl)) != 0 ? FlowEventType.New : FlowEventType.Update;
                break;
            case CtnetlinkMessage.Delete:
                type = FlowEventType.Destroy;
                break;
            default:
                return false;
        }
        flowEvent = new FlowEvent(type, FlowDecoder.Decode(payload));
        return true;
    }

    public void Dispose() => _socket.Dispose();
}
