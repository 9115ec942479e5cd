using System.Threading.Channels;
using NatGateway.Agent.Protocol;
using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror;
using NatGateway.Core.Kernel;

namespace NatGateway.Agent.Client;

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
