using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Doctor;

/// <summary>
/// A steady stream of one-byte UDP datagrams from the lab client to <see cref="NamespaceLab.ServerAddress"/>:<see cref="Port"/>
/// at a target rate, on a thread of its own, which the gateway's drop rule (<see cref="DoctorBenchLab"/>) drops in its
/// forward hook. Paced against a stopwatch (sends what the clock says is due, then yields the CPU for 1 ms), so a loaded
/// box sends fewer packets than asked rather than a burst; <see cref="Sent"/> is what really went out.
/// </summary>
internal sealed class DropStream : IDisposable
{
    public const int Port = 9999;
    private readonly Socket _socket;
    private readonly Thread _thread;
    private readonly int _packetsPerSecond;
    private volatile bool _stop;
    private long _sent;

    public DropStream(NamespaceLab lab, int packetsPerSecond)
    {
        _packetsPerSecond = packetsPerSecond;
        // Made on a thread inside the client namespace: the socket stays there whichever thread sends on it.
        _socket = lab.RunIn(lab.Client, () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        _socket.Connect(new IPEndPoint(IPAddress.Parse(NamespaceLab.ServerAddress), Port));
        _thread = new Thread(Send) { IsBackground = true, Name = "drop stream" };
        _thread.Start();
    }

    public long Sent => Interlocked.Read(ref _sent);

    private void Send()
    {
        var payload = new byte[] { 0x64 };
        var clock = Stopwatch.StartNew();
        while (!_stop)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * _packetsPerSecond);
            while (Interlocked.Read(ref _sent) < due && !_stop)
            {
                try
                {
                    _socket.Send(payload);
                    Interlocked.Increment(ref _sent);
                }
                catch (SocketException) { break; } // a full socket buffer: not sent, not counted; try again after the pause
            }
            Thread.Sleep(1); // pacing: the next batch is due in about a millisecond
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(TimeSpan.FromSeconds(10));
        _socket.Dispose();
    }
}
