using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NatGateway.TestSupport.Ha;

/// <summary>A TCP echo server whose listening socket lives in a lab namespace (made there, served from this process).</summary>
public sealed class EchoServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private readonly List<Socket> _accepted = [];

    public IPEndPoint EndPoint { get; }

    public EchoServer(string ns, IPEndPoint endPoint)
    {
        EndPoint = endPoint;
        _listener = NetworkNamespace.RunIn(ns, () =>
        {
            var s = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            s.Bind(endPoint);
            s.Listen(4096);
            return s;
        });
        _accept = AcceptLoopAsync();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try { s = await _listener.AcceptAsync(_stop.Token); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            s.NoDelay = true;
            lock (_accepted) _accepted.Add(s);
            _ = EchoAsync(s);
        }
    }

    private async Task EchoAsync(Socket s)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await s.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0) return;
                await s.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception) { /* reset, or stopping */ }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        try { await _accept; } catch (Exception) { /* stopping */ }
        lock (_accepted) foreach (var s in _accepted) s.Dispose();
        _stop.Dispose();
    }
}

/// <summary>How one connection of an <see cref="EchoFleet"/> ended, if it did.</summary>
public enum EchoEnd
{
    Alive,
    /// <summary>The peer closed (a FIN) or the stack reported a reset.</summary>
    Reset,
    /// <summary>Another socket error.</summary>
    Failed,
}

/// <summary>One echo connection: every receipt's time, and how it ended.</summary>
public sealed class EchoConnection
{
    private readonly List<long> _receipts = [];
    internal Socket Socket { get; }
    internal EchoConnection(Socket socket, int index) { Socket = socket; Index = index; }

    public int Index { get; }
    public EchoEnd End { get; internal set; } = EchoEnd.Alive;
    public string? Error { get; internal set; }

    internal void Received(long timestamp) { lock (_receipts) _receipts.Add(timestamp); }

    /// <summary>Stopwatch timestamps of the echoes received, oldest first.</summary>
    public long[] Receipts() { lock (_receipts) return [.. _receipts]; }

    public long LastReceipt() { lock (_receipts) return _receipts.Count == 0 ? 0 : _receipts[^1]; }
}

/// <summary>One window's figures over all connections: per connection the largest gap between two echoes that spans
/// part of the window, then the median, 99th percentile and maximum of those; and how many are still alive and echoing.</summary>
public sealed record EchoWindowFigures(int Connections, int Survivors, int Reset, TimeSpan P50Gap, TimeSpan P99Gap, TimeSpan MaxGap,
    int WorstConnection);

/// <summary>
/// N TCP connections from a lab namespace to an <see cref="EchoServer"/>, each sending an 8-byte sequence number every
/// interval (100 ms by default) and waiting for its echo before the next: a gap between two echoes is how long that
/// flow was broken. Every receipt is recorded with its time (Stopwatch), so any window's gaps can be computed after.
/// </summary>
public sealed class EchoFleet : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly List<EchoConnection> _connections = [];

    public TimeSpan Interval { get; }
    public IReadOnlyList<EchoConnection> Connections => _connections;

    private EchoFleet(TimeSpan interval) => Interval = interval;

    /// <summary>Opens <paramref name="count"/> connections (a few at a time, so the SYN backlog never overflows), starts
    /// each one's echo loop and returns once every connection has had one echo back.</summary>
    public static async Task<EchoFleet> OpenAsync(string clientNs, IPEndPoint server, int count, TimeSpan? interval = null,
        TimeSpan? deadline = null)
    {
        var fleet = new EchoFleet(interval ?? TimeSpan.FromMilliseconds(100));
        try
        {
            using var connectDeadline = new CancellationTokenSource(deadline ?? TimeSpan.FromSeconds(120));
            const int Batch = 50;
            for (var i = 0; i < count; i += Batch)
            {
                var batch = Enumerable.Range(i, Math.Min(Batch, count - i))
                    .Select(_ => NamespaceSockets.ConnectAsync(clientNs, server, connectDeadline.Token)).ToArray();
                var sockets = await Task.WhenAll(batch);
                foreach (var s in sockets)
                {
                    var c = new EchoConnection(s, fleet._connections.Count);
                    fleet._connections.Add(c);
                }
            }
            foreach (var c in fleet._connections) fleet._loops.Add(fleet.RunAsync(c));
            var opened = Stopwatch.GetTimestamp();
            await fleet.WaitAllEchoedAfterAsync(opened, deadline ?? TimeSpan.FromSeconds(120));
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    private async Task RunAsync(EchoConnection c)
    {
        var send = new byte[8];
        var receive = new byte[8];
        long sequence = 0;
        // Spread the connections over the interval so the server does not see 1,000 at the same instant.
        try
        {
            await Task.Delay(TimeSpan.FromTicks(Interval.Ticks * c.Index / Math.Max(1, _connections.Count)), _stop.Token);
            while (!_stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                BinaryPrimitives.WriteInt64BigEndian(send, ++sequence);
                await c.Socket.SendAsync(send, SocketFlags.None, _stop.Token);
                var got = 0;
                while (got < receive.Length)
                {
                    var n = await c.Socket.ReceiveAsync(receive.AsMemory(got), SocketFlags.None, _stop.Token);
                    if (n == 0) { c.End = EchoEnd.Reset; c.Error = "closed by the peer"; return; }
                    got += n;
                }
                if (BinaryPrimitives.ReadInt64BigEndian(receive) != sequence)
                {
                    c.End = EchoEnd.Failed;
                    c.Error = "echo out of order";
                    return;
                }
                c.Received(Stopwatch.GetTimestamp());
                var next = Interval - Stopwatch.GetElapsedTime(started);
                if (next > TimeSpan.Zero) await Task.Delay(next, _stop.Token); // the pace of the echo, not a wait for a state
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
        catch (SocketException e)
        {
            c.End = e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted ? EchoEnd.Reset : EchoEnd.Failed;
            c.Error = e.SocketErrorCode.ToString();
        }
        catch (ObjectDisposedException) { }
    }

    /// <summary>Waits until every connection has an echo received after <paramref name="timestamp"/> (Stopwatch), or
    /// throws naming how many have not. <paramref name="tolerateEnded"/>: a connection that ended counts as done (a
    /// measurement that reports survivors) instead of failing the wait, and the deadline ends the wait without an
    /// error (the connections still behind then count as not surviving).</summary>
    public async Task WaitAllEchoedAfterAsync(long timestamp, TimeSpan deadline, bool tolerateEnded = false)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var behind = _connections.Count(c => c.LastReceipt() <= timestamp);
            var ended = _connections.Count(c => c.End != EchoEnd.Alive && c.LastReceipt() <= timestamp);
            if (behind == 0 || (tolerateEnded && behind == ended)) return;
            if (ended > 0 && behind == ended) throw new InvalidOperationException($"{ended} of {_connections.Count} connections ended: {Ends()}");
            if (watch.Elapsed > deadline && tolerateEnded) return;
            if (watch.Elapsed > deadline)
                throw new TimeoutException($"{behind} of {_connections.Count} connections had no echo within {deadline.TotalSeconds:0} s ({Ends()})");
            await Task.Delay(20); // polling interval
        }
    }

    /// <summary>Waits until every connection has either ended or had no echo for <paramref name="silence"/>; returns
    /// false if some connection still echoes when <paramref name="deadline"/> passes.</summary>
    public async Task<bool> WaitAllDeadAsync(TimeSpan silence, TimeSpan deadline)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            if (_connections.All(c => c.End != EchoEnd.Alive || Stopwatch.GetElapsedTime(c.LastReceipt(), now) >= silence)) return true;
            if (watch.Elapsed > deadline) return false;
            await Task.Delay(50); // polling interval
        }
    }

    private string Ends() => string.Join(", ", _connections.Where(c => c.End != EchoEnd.Alive).GroupBy(c => $"{c.End}: {c.Error}")
        .Select(g => $"{g.Count()} × {g.Key}"));

    /// <summary>Figures for the window from <paramref name="from"/> to <paramref name="to"/> (Stopwatch timestamps): a
    /// connection's gap is the largest interval between two consecutive echoes that overlaps the window (so the outage
    /// around a failover counts whole); one with no echo after the window's end counts as not surviving, its gap
    /// running to <paramref name="to"/>.</summary>
    public EchoWindowFigures Figures(long from, long to)
    {
        var gaps = new List<(long Gap, int Index)>();
        var survivors = 0;
        foreach (var c in _connections)
        {
            var r = c.Receipts();
            long worst = 0;
            for (var i = 1; i < r.Length; i++)
                if (r[i] >= from && r[i - 1] <= to) worst = Math.Max(worst, r[i] - r[i - 1]);
            var last = r.Length == 0 ? 0 : r[^1];
            if (last < to) worst = Math.Max(worst, to - last);
            else if (c.End == EchoEnd.Alive) survivors++;
            gaps.Add((worst, c.Index));
        }
        gaps.Sort((a, b) => a.Gap.CompareTo(b.Gap));
        TimeSpan At(double q) => gaps.Count == 0 ? TimeSpan.Zero
            : Stopwatch.GetElapsedTime(0, gaps[Math.Clamp((int)Math.Ceiling(q * gaps.Count) - 1, 0, gaps.Count - 1)].Gap);
        return new EchoWindowFigures(_connections.Count, survivors, _connections.Count(c => c.End == EchoEnd.Reset),
            At(0.50), At(0.99), gaps.Count == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(0, gaps[^1].Gap), gaps.Count == 0 ? -1 : gaps[^1].Index);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        foreach (var c in _connections) c.Socket.Dispose();
        try { await Task.WhenAll(_loops); } catch (Exception) { /* stopping */ }
        _stop.Dispose();
    }
}
