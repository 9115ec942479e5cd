using System.Net.Sockets;
using NatGateway.Agent.Protocol;
using NatGateway.Conntrack;

namespace NatGateway.Agent.Server;

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
