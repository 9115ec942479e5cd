namespace NatGateway.Conntrack.Mirror;

/// <summary>
/// The real source: a <see cref="ConntrackClient"/> for dumps and a <see cref="ConntrackListener"/> for events.
/// Both sockets are made in the constructor, so they belong to the network namespace of the constructing thread
/// (construct inside <c>NetworkNamespace.RunIn</c> to mirror another namespace); the mirror reuses them across resyncs.
/// </summary>
public sealed class ConntrackClientSource : IConntrackMirrorSource, IDisposable
{
    private readonly ConntrackClient _client;
    private readonly ConntrackListener _listener;
    private readonly ListenerStream _stream;

    /// <param name="receiveBufferBytes">Event socket buffer (SO_RCVBUFFORCE); bigger rides out longer bursts without a resync.</param>
    public ConntrackClientSource(int receiveBufferBytes = 64 << 20)
    {
        _client = new ConntrackClient();
        try
        {
            _listener = new ConntrackListener(FlowEventGroups.All, receiveBufferBytes);
        }
        catch
        {
            _client.Dispose();
            throw;
        }
        _stream = new ListenerStream(_listener);
    }

    /// <summary>ENOBUFS overflows the listener saw.</summary>
    public long EventsLost => _listener.EventsLost;

    public IFlowEventStream OpenEvents() => _stream;

    public void Dump(FlowHandler onFlow, CancellationToken cancellationToken) => _client.Dump(onFlow);

    public void Dispose()
    {
        _listener.Dispose();
        _client.Dispose();
    }

    /// <summary>The listener as a stream; disposing the stream keeps the socket (the source owns it).</summary>
    private sealed class ListenerStream(ConntrackListener listener) : IFlowEventStream
    {
        public ValueTask<int> ReceiveAsync(FlowEventHandler handler, CancellationToken cancellationToken) =>
            listener.ReceiveAsync(handler, cancellationToken);

        public int ReceivePending(FlowEventHandler handler) => listener.Receive(handler, TimeSpan.Zero);

        public void Dispose()
        {
        }
    }
}
