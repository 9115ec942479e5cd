using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using NatGateway.TestSupport;

namespace NatGateway.Nat.Tests;

/// <summary>A TCP listener inside a lab namespace that records the peer address of every connection it accepts.</summary>
public sealed class RecordingListener : IDisposable
{
    private readonly TcpListener _listener;
    private readonly Thread _thread;
    public ConcurrentQueue<IPEndPoint> Peers { get; } = new();
    /// <summary>The local address each connection reached (which of several inside hosts a DNAT chose).</summary>
    public ConcurrentQueue<IPEndPoint> Locals { get; } = new();
    public int Port { get; }

    public RecordingListener(NamespaceLab lab, string ns, int port)
    {
        Port = port;
        // The socket is created on a thread inside the namespace and stays there.
        _listener = lab.RunIn(ns, () =>
        {
            var l = new TcpListener(IPAddress.IPv6Any, port);
            l.Server.DualMode = true; // IPv4 peers show up as ::ffff:a.b.c.d; NextPeer maps them back
            l.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            l.Start();
            return l;
        });
        _thread = new Thread(AcceptLoop) { IsBackground = true };
        _thread.Start();
    }

    private void AcceptLoop()
    {
        try
        {
            while (true)
            {
                using var client = _listener.AcceptSocket();
                Locals.Enqueue((IPEndPoint)client.LocalEndPoint!);
                Peers.Enqueue((IPEndPoint)client.RemoteEndPoint!);
                try { client.Send([1]); }
                catch (SocketException) { /* the peer gave up first (tests that expect a failed connect): keep accepting */ }
            }
        }
        // Dispose may stop the listener before this thread reaches its first AcceptSocket, which then throws
        // InvalidOperationException ("Not listening"): uncaught on a thread, that took the whole test host down.
        catch (Exception e) when (_stopped && e is SocketException or ObjectDisposedException or InvalidOperationException) { }
    }

    /// <summary>The peer of the next accepted connection (waits: the accept runs on another thread; returns as soon as it has one).</summary>
    public IPEndPoint? NextPeer(int timeoutMs = 10_000) => Next(Peers, timeoutMs);

    /// <summary>The local end of the next accepted connection (a queue of its own: use either this or <see cref="NextPeer"/> in a test).</summary>
    public IPEndPoint? NextLocal(int timeoutMs = 10_000) => Next(Locals, timeoutMs);

    private static IPEndPoint? Next(ConcurrentQueue<IPEndPoint> queue, int timeoutMs)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (Environment.TickCount64 < deadline)
        {
            if (queue.TryDequeue(out var endPoint))
                return endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
            Thread.Sleep(10); // polling interval
        }
        return null;
    }

    private volatile bool _stopped;

    public void Dispose()
    {
        _stopped = true;
        _listener.Stop();
    }
}

public static class LabTcp
{
    /// <summary>Connects from a namespace (optionally from a given local address/port) and waits for the server's byte.
    /// The default timeout is generous for a loaded box (a success returns at once); tests expecting failure pass a short one.</summary>
    public static bool Connects(NamespaceLab lab, string ns, string address, int port, string? localAddress = null, int localPort = 0, int timeoutMs = 10_000) =>
        lab.RunIn(ns, () =>
        {
            var remote = IPAddress.Parse(address);
            using var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (localAddress is not null || localPort != 0)
                socket.Bind(new IPEndPoint(localAddress is null ? (remote.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any) : IPAddress.Parse(localAddress), localPort));
            try
            {
                using var cts = new CancellationTokenSource(timeoutMs);
                socket.ConnectAsync(remote, port, cts.Token).AsTask().GetAwaiter().GetResult();
                socket.ReceiveTimeout = timeoutMs;
                var buffer = new byte[1];
                return socket.Receive(buffer) == 1;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                return false;
            }
        });
}
