using System.Threading.Channels;
using NatGateway.Agent.Protocol;
using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror;
using NatGateway.Core.Kernel;

namespace NatGateway.Agent.Client;

/// <summary>
/// A relay connection as an <see cref="IFlowEventStream"/>: a reader thread moves the agent's frames into a queue in
/// arrival order; events are decoded when taken. A lost connection surfaces as <see cref="KernelUnavailableException"/>
/// (the mirror then retries and reopens). Disposing closes the connection.
/// </summary>
public class RelayStream : IFlowEventStream
{
    private readonly Channel<Frame> _frames = Channel.CreateUnbounded<Frame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly AgentConnectionPool _pool;
    private Exception? _failure;
    private int _disposed;

    protected RelayStream(AgentConnectionPool pool, AgentConnection connection)
    {
        _pool = pool;
        Connection = connection;
    }

    protected AgentConnection Connection { get; }

    /// <summary>Subscribes (the agent answers, then relays) and starts the reader.</summary>
    protected void Subscribe(AgentRequest request)
    {
        try
        {
            Connection.Call(request);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException && e is not KernelUnavailableException)
        {
            Connection.Dispose();
            throw _pool.Availability.MarkUnavailable(e);
        }
        var thread = new Thread(ReadLoop) { IsBackground = true, Name = "natgw-agent-relay" };
        thread.Start();
    }

    public static RelayStream OpenEvents(AgentConnectionPool pool, FlowEventGroups groups)
    {
        var stream = new RelayStream(pool, pool.OpenDedicated());
        try
        {
            stream.Subscribe(new AgentRequest { Op = AgentOperation.ConntrackEvents, Groups = groups });
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        return stream;
    }

    private void ReadLoop()
    {
        try
        {
            while (true) _frames.Writer.TryWrite(Connection.ReadFrame());
        }
        catch (Exception e)
        {
            if (Volatile.Read(ref _disposed) == 0)
                _failure = e is IOException or System.Net.Sockets.SocketException ? _pool.Availability.MarkUnavailable(e) : e;
            _frames.Writer.TryComplete();
        }
    }

    /// <summary>The next frame, waiting for it.</summary>
    protected async ValueTask<Frame> NextAsync(CancellationToken cancellationToken)
    {
        if (await _frames.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) && _frames.Reader.TryRead(out var frame))
            return frame;
        throw Failure();
    }

    /// <summary>The next frame, blocking (the mirror's dump runs on its own thread).</summary>
    protected Frame Next(CancellationToken cancellationToken) => NextAsync(cancellationToken).AsTask().GetAwaiter().GetResult();

    private Exception Failure() => _failure ?? new KernelUnavailableException($"natgw agent at {_pool.SocketPath}: relay closed");

    public async ValueTask<int> ReceiveAsync(FlowEventHandler handler, CancellationToken cancellationToken)
    {
        while (true)
        {
            var frame = await NextAsync(cancellationToken).ConfigureAwait(false);
            if (Dispatch(frame, handler) is { } count) return count;
        }
    }

    public int ReceivePending(FlowEventHandler handler)
    {
        while (_frames.Reader.TryRead(out var frame))
            if (Dispatch(frame, handler) is { } count) return count;
        if (_frames.Reader.Completion.IsCompleted) throw Failure();
        return 0;
    }

    /// <summary>Events → decoded count; EventsLost → throws; other frames outside a dump are ignored (null).</summary>
    private int? Dispatch(Frame frame, FlowEventHandler handler) => frame.Type switch
    {
        FrameType.Events => RawRelay.DecodeEvents(frame.Payload.Span, handler),
        FrameType.EventsLost => throw new EventsLostException(),
        FrameType.Error => throw Connection.ToException(frame),
        _ => null,
    };

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Connection.Dispose();
        GC.SuppressFinalize(this);
    }
}
