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

/// <summary>
/// The conntrack mirror's source in agent mode (the mirror stays in the web process: the agent stays small and the big
/// table and its queries run unprivileged). Events and dumps share one relay connection; a dump asks the agent to
/// drain, mark DumpBegins, dump, mark DumpEnds — events queued before DumpBegins predate the dump and are dropped, those
/// after DumpEnds are left for the mirror to apply, so the mirror stays exact across the socket.
/// </summary>
public sealed class RemoteMirrorSource(AgentConnectionPool pool) : IConntrackMirrorSource, IDisposable
{
    private MirrorStream? _stream;

    public IFlowEventStream OpenEvents()
    {
        if (_stream is { IsOpen: true } open) return open;
        _stream = MirrorStream.Open(pool);
        return _stream;
    }

    public void Dump(FlowHandler onFlow, CancellationToken cancellationToken) =>
        (_stream is { IsOpen: true } s ? s : throw new InvalidOperationException("OpenEvents first")).Dump(onFlow, cancellationToken);

    public void Dispose() => _stream?.Dispose();

    private sealed class MirrorStream : RelayStream
    {
        private MirrorStream(AgentConnectionPool pool, AgentConnection connection) : base(pool, connection) { }

        public bool IsOpen => Connection.IsHealthy;

        public static MirrorStream Open(AgentConnectionPool pool)
        {
            var stream = new MirrorStream(pool, pool.OpenDedicated());
            try
            {
                stream.Subscribe(new AgentRequest { Op = AgentOperation.ConntrackMirrorSubscribe });
            }
            catch
            {
                stream.Dispose();
                throw;
            }
            return stream;
        }

        public void Dump(FlowHandler onFlow, CancellationToken cancellationToken)
        {
            Connection.Send(new AgentRequest { Op = AgentOperation.ConntrackMirrorDump });
            var begun = false;
            while (true)
            {
                var frame = Next(cancellationToken);
                switch (frame.Type)
                {
                    case FrameType.DumpBegins:
                        begun = true;
                        break;
                    case FrameType.DumpData when begun:
                        RawRelay.DecodeDump(frame.Payload.Span, null, onFlow);
                        break;
                    case FrameType.DumpEnds when begun:
                        return;
                    case FrameType.Error:
                        throw Connection.ToException(frame);
                    case FrameType.Events or FrameType.EventsLost when !begun:
                        break; // predates the dump: the dump shows its effect
                    default:
                        throw new IOException($"natgw agent: unexpected {frame.Type} frame in a mirror dump");
                }
            }
        }
    }
}
