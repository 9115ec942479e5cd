using System.Net.Sockets;
using NatGateway.Agent.Protocol;
using NatGateway.Conntrack;

namespace NatGateway.Agent.Server;

/// <summary>
/// Relays a conntrack event socket to one client, datagram by datagram as the kernel sent it (one copy; the web
/// process decodes with ConntrackListener.TryDecodeEvent). ENOBUFS becomes an <see cref="FrameType.EventsLost"/> frame.
/// The pump runs on its own thread and takes <see cref="Gate"/> per datagram, so a mirror dump can stop it between two.
/// </summary>
public abstract class RelayBase(AgentSession session, ConntrackListener listener) : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(1 << 20);
    private Thread? _thread;

    protected AgentSession Session { get; } = session;
    protected ConntrackListener Listener { get; } = listener;
    protected Lock Gate { get; } = new();

    /// <summary>Reset while a dump waits for the gate, so the pump does not race it for the lock.</summary>
    protected ManualResetEventSlim Idle { get; } = new(initialState: true);

    public void Start()
    {
        _thread = new Thread(Pump) { IsBackground = true, Name = "natgw-agent-events" };
        _thread.Start();
    }

    private void Pump()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                Idle.Wait(_stop.Token);
                lock (Gate)
                {
                    if (!Idle.IsSet) continue;
                    RelayOne(PollInterval);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // the client went away or the session is closing
        }
    }

    /// <summary>Receives at most one datagram (waiting up to <paramref name="timeout"/>) and relays it; false when none came.
    /// Call under <see cref="Gate"/>.</summary>
    protected bool RelayOne(TimeSpan timeout)
    {
        int length;
        try
        {
            length = Listener.ReceiveRaw(_buffer, timeout);
        }
        catch (EventsLostException)
        {
            Session.Send(FrameType.EventsLost, []);
            return true;
        }
        if (length == 0) return false;
        Session.Send(FrameType.Events, _buffer.AsSpan(0, length));
        return true;
    }

    public virtual void Dispose()
    {
        _stop.Cancel();
        if (_thread is not null && _thread != Thread.CurrentThread) _thread.Join(TimeSpan.FromSeconds(5));
        Listener.Dispose();
        Idle.Dispose();
        _stop.Dispose();
    }
}

/// <summary><c>conntrack -E</c> through the agent: events only.</summary>
public sealed class EventRelay(AgentSession session, FlowEventGroups groups) : RelayBase(session, new ConntrackListener(groups));

/// <summary>
/// The conntrack mirror's source through the agent. The mirror (in the web process) drains pending events, dumps, then
/// applies later events; across a socket "pending" events can still be in flight, and a NEW older than the dump
/// replayed after it would resurrect a dead entry. So events and dumps share this one connection, and a dump is:
/// drain the kernel event socket (relaying what was waiting), <see cref="FrameType.DumpBegins"/>, the dump datagrams,
/// <see cref="FrameType.DumpEnds"/>. The client drops events before DumpBegins (the dump shows their effect) and applies
/// those after DumpEnds — exactly what the in-process mirror does with its own sockets.
/// </summary>
public sealed class MirrorRelay(AgentSession session) : RelayBase(session, new ConntrackListener(FlowEventGroups.All))
{
    private readonly ConntrackClient _client = new();

    public void Dump()
    {
        Idle.Reset();
        try
        {
            lock (Gate)
            {
                // Bounded like the mirror's own drain, so a never-ending stream cannot keep the dump from starting.
                for (var i = 0; i < 1_000_000 && RelayOne(TimeSpan.Zero); i++) { }
                Session.Send(FrameType.DumpBegins, []);
                try
                {
                    _client.DumpRaw(datagram => Session.Send(FrameType.DumpData, datagram));
                }
                catch (Exception e) when (e is not (IOException or SocketException or ObjectDisposedException))
                {
                    Session.SendError(e);
                    return;
                }
                Session.Send(FrameType.DumpEnds, []);
            }
        }
        finally
        {
            Idle.Set();
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _client.Dispose();
    }
}
