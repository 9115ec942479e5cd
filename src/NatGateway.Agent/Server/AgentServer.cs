using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using NatGateway.Agent.Protocol;
using NatGateway.Core.Kernel;

namespace NatGateway.Agent.Server;

/// <summary>
/// <c>natgw agent</c>: listens on a Unix socket and serves a <see cref="LocalGatewayKernel"/> to root and the web user
/// only (SO_PEERCRED, checked per connection). Each connection runs on its own thread. Like OPNsense's configd, it
/// runs only registered operations (<see cref="AgentOperation"/>), never a command or a path it is handed.
/// </summary>
public sealed class AgentServer(AgentOptions options, IGatewayKernel kernel, ILogger logger) : IDisposable
{
    private readonly AgentDispatcher _dispatcher = new(kernel);
    private Socket? _listener;
    private int _active;

    public uint? WebUid { get; private set; }

    /// <summary>Creates the directory and the socket (mode by <see cref="AgentOptions.WebUser"/>) and starts listening.</summary>
    public void Listen()
    {
        uint? gid = null;
        if (options.WebUser is { } user) (WebUid, gid) = PeerCredentials.ResolveUser(user);
        var path = options.SocketPath;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        if (File.Exists(path)) File.Delete(path); // a stale socket of a previous run
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        const UnixFileMode ownerRw = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (WebUid is null) File.SetUnixFileMode(path, ownerRw);
        else if (gid is { } g)
        {
            // A named web user: only its group may connect at all; SO_PEERCRED then admits the user itself (and root).
            if (PeerCredentials.Native.Chown(path, 0, g) != 0) logger.LogWarning("chown {Path} to group {Gid} failed", path, g);
            File.SetUnixFileMode(path, ownerRw | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        }
        else File.SetUnixFileMode(path, ownerRw | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        _listener.Listen(64);
        logger.LogInformation("natgw agent listening on {Path} (peers: root{Web})", path, WebUid is { } u ? $" and uid {u}" : "");
    }

    public async Task RunAsync(CancellationToken stop)
    {
        if (_listener is null) Listen();
        await using var registration = stop.Register(() => _listener!.Dispose());
        while (!stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener!.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || stop.IsCancellationRequested)
            {
                break;
            }
            catch (SocketException e)
            {
                logger.LogWarning("accept failed: {Message}", e.Message);
                continue;
            }
            var thread = new Thread(() => Serve(connection)) { IsBackground = true, Name = "natgw-agent-session" };
            thread.Start();
        }
    }

    private void Serve(Socket connection)
    {
        PeerCredentials peer;
        try
        {
            peer = PeerCredentials.Of(connection);
        }
        catch (IOException e)
        {
            logger.LogWarning("agent: cannot identify a peer: {Message}", e.Message);
            connection.Dispose();
            return;
        }
        var session = new AgentSession(connection, peer, _dispatcher, logger);
        if (peer.UserId != 0 && peer.UserId != WebUid)
        {
            logger.LogWarning("agent: refused peer pid {Pid} uid {Uid} (only root and the web user may connect)", peer.ProcessId, peer.UserId);
            Refuse(session, $"uid {peer.UserId} may not use the agent (only root and the web user)");
            return;
        }
        if (Interlocked.Increment(ref _active) > options.MaxConnections)
        {
            Interlocked.Decrement(ref _active);
            logger.LogWarning("agent: refused peer pid {Pid}: {Max} connections already", peer.ProcessId, options.MaxConnections);
            Refuse(session, $"too many connections ({options.MaxConnections})");
            return;
        }
        try
        {
            session.Run();
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    private static void Refuse(AgentSession session, string message)
    {
        try
        {
            session.SendError(new AgentError { Kind = AgentErrorKind.Refused, Message = message });
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
        }
        session.Dispose();
    }

    public void Dispose()
    {
        _listener?.Dispose();
        try { File.Delete(options.SocketPath); }
        catch (IOException) { }
    }
}
