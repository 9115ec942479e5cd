using System.Collections.Concurrent;
using NatGateway.Netlink;

namespace NatGateway.Conntrack;

/// <summary>
/// Receives the datagrams of one dump on a dedicated thread while the caller's thread parses them.
/// The kernel builds each next dump datagram inside our recvmsg call, so receiving is where the kernel's
/// share of a dump is spent; overlapping it with parsing on a second core brings dump-and-parse close to
/// the cost of the kernel alone. Always reads the dump to its end (also when the consumer stops early),
/// because the kernel refuses a new dump on the socket (EBUSY) until the running one is finished.
/// </summary>
internal sealed class DumpPipeline : IDisposable
{
    private const int BufferSize = 64 << 10; // a dump datagram is at most 32 KiB
    private readonly INetlinkSocket _socket;
    private readonly uint _sequence;
    private readonly BlockingCollection<Datagram> _full = new(boundedCapacity: 64);
    private readonly ConcurrentBag<byte[]> _free = new();
    private readonly Thread _thread;
    private volatile bool _abandoned;

    private readonly record struct Datagram(byte[]? Buffer, int Length, Exception? Error);

    public DumpPipeline(INetlinkSocket socket, uint sequence)
    {
        _socket = socket;
        _sequence = sequence;
        _thread = new Thread(ReceiveLoop) { IsBackground = true, Name = "ctnetlink-dump" };
        _thread.Start();
    }

    private void ReceiveLoop()
    {
        try
        {
            while (true)
            {
                var buffer = _free.TryTake(out var reused) ? reused : GC.AllocateUninitializedArray<byte>(BufferSize);
                var length = _socket.Receive(buffer);
                var last = EndsDump(buffer.AsSpan(0, length));
                if (_abandoned) _free.Add(buffer);
                else _full.Add(new Datagram(buffer, length, null));
                if (last) break;
            }
        }
        catch (Exception e)
        {
            if (!_abandoned) _full.Add(new Datagram(null, 0, e));
        }
        finally
        {
            _full.CompleteAdding();
        }
    }

    /// <summary>True when the datagram holds this dump's NLMSG_DONE or error (or is malformed: the consumer
    /// reports that).</summary>
    private bool EndsDump(ReadOnlySpan<byte> datagram)
    {
        var reader = new NetlinkMessageReader(datagram);
        while (reader.Next())
        {
            if (reader.Header.Sequence != _sequence) continue;
            if (reader.Header.Type is (ushort)NetlinkMessageType.Done or (ushort)NetlinkMessageType.Error) return true;
        }
        return reader.Error is not null;
    }

    /// <summary>Next received datagram, or false when the dump is over. Rethrows a receive failure.</summary>
    public bool TryTake(out byte[] buffer, out int length)
    {
        if (!_full.TryTake(out var item, Timeout.Infinite))
        {
            buffer = [];
            length = 0;
            return false;
        }
        if (item.Error is not null) throw item.Error;
        buffer = item.Buffer!;
        length = item.Length;
        return true;
    }

    public void Return(byte[] buffer) => _free.Add(buffer);

    public void Dispose()
    {
        _abandoned = true;
        while (!_full.IsCompleted)
            if (_full.TryTake(out var item, 100) && item.Buffer is not null) _free.Add(item.Buffer);
        _thread.Join();
        _full.Dispose();
    }
}
