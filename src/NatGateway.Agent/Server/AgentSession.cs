using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using NatGateway.Agent.Protocol;
using NatGateway.Conntrack;

namespace NatGateway.Agent.Server;

/// <summary>
/// One client connection, on its own thread: Hello (version check), then requests in order. A malformed frame or request
/// gets an error answer and the connection goes on; an oversized or truncated frame gets an error (if it can be sent)
/// and the connection is closed. Nothing a peer sends can end the agent.
/// </summary>
public sealed class AgentSession(Socket socket, PeerCredentials peer, AgentDispatcher dispatcher, ILogger logger) : IDisposable
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);
    private readonly Lock _writeGate = new();
    private RelayBase? _relay;

    public PeerCredentials Peer { get; } = peer;

    /// <summary>Writes one frame; relays write from their pump thread too, so writes are serialized here.</summary>
    internal void Send(FrameType type, ReadOnlySpan<byte> payload)
    {
        lock (_writeGate) FrameCodec.Write(_stream, type, payload);
    }

    internal void SendError(AgentError error) => Send(FrameType.Error, AgentJson.Serialize(error));

    internal void SendError(Exception e) => SendError(AgentErrors.FromException(e));

    public void Run()
    {
        try
        {
            if (!Handshake()) return;
            while (true)
            {
                Frame? frame;
                try
                {
                    frame = FrameCodec.Read(_stream);
                }
                catch (FrameTooLargeException e)
                {
                    logger.LogWarning("agent peer pid {Pid} uid {Uid}: {Message}; closing", Peer.ProcessId, Peer.UserId, e.Message);
                    SendError(new AgentError { Kind = AgentErrorKind.InvalidRequest, Message = e.Message, Field = "frame" });
                    return;
                }
                if (frame is not { } f) return;
                HandleFrame(f);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            logger.LogDebug("agent peer pid {Pid}: connection ended: {Message}", Peer.ProcessId, e.Message);
        }
        catch (Exception e)
        {
            logger.LogError(e, "agent peer pid {Pid}: session failed", Peer.ProcessId);
        }
        finally
        {
            Dispose();
        }
    }

    private bool Handshake()
    {
        var frame = FrameCodec.Read(_stream);
        if (frame is not { } f) return false;
        HelloMessage? hello = null;
        if (f.Type == FrameType.Hello)
        {
            try { hello = AgentJson.Deserialize<HelloMessage>(f.Payload.Span); }
            catch (JsonException) { }
        }
        if (hello is null)
        {
            SendError(new AgentError { Kind = AgentErrorKind.InvalidRequest, Message = "the first frame must be Hello", Field = "hello" });
            return false;
        }
        if (hello.Version != AgentProtocol.Version)
        {
            SendError(new AgentError
            {
                Kind = AgentErrorKind.VersionMismatch,
                Message = $"protocol version {hello.Version} is not the agent's version {AgentProtocol.Version}: run natgw and natgw agent from the same release",
            });
            return false;
        }
        Send(FrameType.Hello, AgentJson.Serialize(new HelloMessage(AgentProtocol.Version, Environment.ProcessId)));
        return true;
    }

    private void HandleFrame(Frame frame)
    {
        if (frame.Type != FrameType.Request)
        {
            SendError(new AgentError { Kind = AgentErrorKind.InvalidRequest, Message = $"unexpected frame type {(byte)frame.Type}", Field = "frame" });
            return;
        }
        AgentRequest request;
        JsonDocument? document = null;
        try
        {
            request = AgentJson.ReadRequest(frame.Payload, out document);
            if (!Enum.IsDefined(request.Op)) throw new AgentRequestException("op", "unknown operation");
        }
        catch (Exception e) when (e is JsonException or AgentRequestException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            document?.Dispose();
            SendError(new AgentError { Kind = AgentErrorKind.InvalidRequest, Message = $"not a request: {e.Message}", Field = (e as AgentRequestException)?.Field ?? "request" });
            return;
        }
        // The request's rules point into the parsed payload: it lives until the request is handled.
        using var parsed = document;
        try
        {
            switch (request.Op)
            {
                case AgentOperation.ConntrackDump:
                    Dump(request);
                    break;
                case AgentOperation.ConntrackEvents:
                    StartRelay(new EventRelay(this, RequestValidation.Groups(request.Groups)));
                    break;
                case AgentOperation.ConntrackMirrorSubscribe:
                    StartRelay(new MirrorRelay(this));
                    break;
                case AgentOperation.ConntrackMirrorDump:
                    if (_relay is not MirrorRelay mirror) throw new AgentRequestException("op", "no mirror subscription on this connection");
                    mirror.Dump();
                    break;
                default:
                    var response = dispatcher.Handle(request, Peer);
                    Send(FrameType.Response, AgentJson.Serialize(response));
                    break;
            }
        }
        catch (Exception e) when (e is not (IOException or SocketException or ObjectDisposedException))
        {
            if (e is not AgentRequestException) logger.LogInformation("agent {Op} failed: {Message}", request.Op, e.Message);
            SendError(e);
        }
    }

    private void Dump(AgentRequest request)
    {
        var family = RequestValidation.Family(request.Family);
        var filter = RequestValidation.KernelFilter(request.KernelFilter);
        using var client = new ConntrackClient();
        client.DumpRaw(datagram => Send(FrameType.DumpData, datagram), family, filter);
        Send(FrameType.Response, AgentJson.Serialize(new AgentResponse()));
    }

    private void StartRelay(RelayBase relay)
    {
        if (_relay is not null)
        {
            relay.Dispose();
            throw new AgentRequestException("op", "this connection already relays events");
        }
        _relay = relay;
        Send(FrameType.Response, AgentJson.Serialize(new AgentResponse()));
        relay.Start();
    }

    public void Dispose()
    {
        _relay?.Dispose();
        _stream.Dispose();
    }
}
