using System.Net.Sockets;
using NatGateway.Agent.Protocol;

namespace NatGateway.Agent.Client;

/// <summary>
/// One connection to <c>natgw agent</c>, after a successful Hello. Not thread-safe: one request at a time (the pool
/// hands each out to one caller). A broken connection throws <see cref="IOException"/>/<see cref="SocketException"/>;
/// an error answer throws the mapped exception and leaves the connection usable.
/// </summary>
public sealed class AgentConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly Lock _writeGate = new();

    private AgentConnection(string socketPath, Socket socket)
    {
        SocketPath = socketPath;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public string SocketPath { get; }

    /// <summary>An idle connection that is readable has been closed by the agent (it never speaks unasked): e.g. the agent
    /// restarted. The pool drops such connections instead of failing the next request on them.</summary>
    public bool IsStale
    {
        get
        {
            try { return !IsHealthy || _socket.Poll(0, SelectMode.SelectRead); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return true; }
        }
    }

    /// <summary>False once an I/O error or a protocol violation made the stream untrustworthy.</summary>
    public bool IsHealthy { get; private set; } = true;

    /// <summary>Connects and says Hello; throws <see cref="SocketException"/>/<see cref="IOException"/> when the agent is not
    /// there and <see cref="Core.Kernel.KernelUnavailableException"/> when it refuses (peer, version).</summary>
    public static AgentConnection Open(string socketPath, TimeSpan? timeout = null, TimeSpan? callTimeout = null)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var connection = new AgentConnection(socketPath, socket) { CallTimeout = callTimeout ?? DefaultCallTimeout };
        try
        {
            // The handshake must not hang on a wedged agent; later reads may be long (a dump, an apply).
            socket.ReceiveTimeout = (int)(timeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds;
            Exception? sendFailure = null;
            try
            {
                connection.Send(FrameType.Hello, AgentJson.Serialize(new HelloMessage(AgentProtocol.Version)));
            }
            catch (IOException e)
            {
                // A refused peer gets its error frame and the close before it has written anything: read the reason.
                sendFailure = e;
            }
            Frame answer;
            try
            {
                answer = connection.ReadFrame();
            }
            catch (IOException) when (sendFailure is not null)
            {
                throw sendFailure;
            }
            if (answer.Type == FrameType.Error) throw connection.ToException(answer);
            if (answer.Type != FrameType.Hello) throw new IOException($"natgw agent at {socketPath}: unexpected answer to Hello");
            var hello = AgentJson.Deserialize<HelloMessage>(answer.Payload.Span);
            if (hello.Version != AgentProtocol.Version)
                throw new IOException($"natgw agent at {socketPath} speaks protocol {hello.Version}, this natgw {AgentProtocol.Version}");
            socket.ReceiveTimeout = 0;
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Send(FrameType type, ReadOnlySpan<byte> payload)
    {
        try
        {
            lock (_writeGate) FrameCodec.Write(_stream, type, payload);
        }
        catch
        {
            IsHealthy = false;
            throw;
        }
    }

    public void Send(AgentRequest request) => Send(FrameType.Request, AgentJson.Serialize(request));

    /// <summary>Reads the next frame; the end of the stream is an <see cref="EndOfStreamException"/>.</summary>
    public Frame ReadFrame()
    {
        try
        {
            return FrameCodec.Read(_stream) ?? throw new EndOfStreamException($"natgw agent at {SocketPath} closed the connection");
        }
        catch
        {
            IsHealthy = false;
            throw;
        }
    }

    /// <summary>How long a call waits for its next frame by default: a wedged agent must not hang a page or an API request
    /// for ever (the slowest answer, a 10,000-rule apply on a loaded box, takes seconds; a dump sends frames all along).</summary>
    public static readonly TimeSpan DefaultCallTimeout = TimeSpan.FromSeconds(120);

    /// <summary>This connection's limit for the next frame of a call.</summary>
    public TimeSpan CallTimeout { get; init; } = DefaultCallTimeout;

    /// <summary>Sends a request and waits for its answer; <paramref name="onData"/> receives DumpData frames in between.</summary>
    public AgentResponse Call(AgentRequest request, Action<ReadOnlyMemory<byte>>? onData = null) =>
        Call(AgentJson.Serialize(request), onData);

    /// <summary><see cref="Call(AgentRequest, Action{ReadOnlyMemory{byte}}?)"/> with the request already serialized.
    /// A frame not arriving within <see cref="CallTimeout"/> breaks the connection (an <see cref="IOException"/>).</summary>
    public AgentResponse Call(ReadOnlySpan<byte> request, Action<ReadOnlyMemory<byte>>? onData = null)
    {
        _socket.ReceiveTimeout = (int)CallTimeout.TotalMilliseconds;
        try
        {
            Send(FrameType.Request, request);
            return ReadAnswer(onData);
        }
        finally
        {
            // Relays keep reading this connection for events, which may be quiet for hours.
            if (IsHealthy) _socket.ReceiveTimeout = 0;
        }
    }

    private AgentResponse ReadAnswer(Action<ReadOnlyMemory<byte>>? onData)
    {
        while (true)
        {
            var frame = ReadFrame();
            switch (frame.Type)
            {
                case FrameType.Response:
                    return AgentJson.Deserialize<AgentResponse>(frame.Payload.Span);
                case FrameType.Error:
                    throw ToException(frame);
                case FrameType.DumpData when onData is not null:
                    onData(frame.Payload);
                    break;
                default:
                    IsHealthy = false;
                    throw new IOException($"natgw agent at {SocketPath}: unexpected {frame.Type} frame");
            }
        }
    }

    /// <summary>The exception an error frame stands for.</summary>
    public Exception ToException(Frame frame) =>
        AgentErrors.ToException(AgentJson.Deserialize<AgentError>(frame.Payload.Span), SocketPath);

    public void Dispose()
    {
        IsHealthy = false;
        _stream.Dispose();
    }
}
