using System.Net;
using System.Net.Sockets;

namespace NatGateway.TestSupport;

/// <summary>
/// TCP from the test process as if it ran in a lab namespace: the socket is created on a thread that
/// switched into the namespace (so it belongs there), then used from anywhere.
/// </summary>
public static class NamespaceSockets
{
    public static async Task<Socket> ConnectAsync(string ns, IPEndPoint target, CancellationToken ct)
    {
        var socket = NetworkNamespace.RunIn(ns, () => new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });
        try
        {
            await socket.ConnectAsync(target, ct);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>An HttpClient whose connections originate in <paramref name="ns"/> (e.g. the lab client talking to the gateway's app).</summary>
    /// <param name="configure">Adjusts the handler (a cookie container, a trusted test certificate).</param>
    /// <param name="followRedirects">False to see a redirect itself (e.g. a page's 302 to /login).</param>
    public static HttpClient CreateHttpClient(string ns, Uri baseAddress, TimeSpan? timeout = null, Action<SocketsHttpHandler>? configure = null,
        bool followRedirects = true)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = followRedirects,
            ConnectCallback = async (context, ct) =>
            {
                var address = IPAddress.Parse(context.DnsEndPoint.Host);
                var socket = await ConnectAsync(ns, new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        };
        configure?.Invoke(handler);
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(120) }; // a hang limit; answers return at once
    }
}

/// <summary>
/// Listens on 127.0.0.1 in the test process's namespace and relays each connection to a target reached
/// from inside a lab namespace. Lets Debian's Chromium (started by Playwright in the initial namespace)
/// browse an app that runs in the lab gateway, as an operator on the lab's client network would.
/// </summary>
public sealed class NamespaceTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly string _ns;
    private readonly IPEndPoint _target;

    public NamespaceTcpProxy(string ns, IPEndPoint target)
    {
        _ns = ns;
        _target = target;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public Uri LocalUri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket inbound;
            try { inbound = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            _ = RelayAsync(inbound);
        }
    }

    private async Task RelayAsync(Socket inbound)
    {
        using (inbound)
        {
            Socket outbound;
            try { outbound = await NamespaceSockets.ConnectAsync(_ns, _target, _stop.Token); }
            catch (Exception) { return; }
            using (outbound)
            {
                await using var a = new NetworkStream(inbound, false);
                await using var b = new NetworkStream(outbound, false);
                var up = a.CopyToAsync(b, _stop.Token);
                var down = b.CopyToAsync(a, _stop.Token);
                try { await Task.WhenAny(up, down); } catch (Exception) { /* either side closed */ }
                try { inbound.Shutdown(SocketShutdown.Both); outbound.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _acceptLoop; } catch (Exception) { /* stopping */ }
        _stop.Dispose();
    }
}
