using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace NatGateway.Netlink;

/// <summary>
/// A raw AF_NETLINK socket. Created by P/Invoke (System.Net.Sockets cannot create or bind netlink sockets)
/// and wrapped in a managed <see cref="System.Net.Sockets.Socket"/> for send/receive.
/// The socket belongs to the network namespace of the calling thread at construction time.
/// Not thread-safe: one request at a time.
/// </summary>
public sealed class NetlinkSocket : INetlinkSocket
{
    private readonly Socket _socket;
    private uint _sequence;

    private NetlinkSocket(Socket socket, uint portId)
    {
        _socket = socket;
        PortId = portId;
        // Start from a time-derived value so stale replies from another process's socket are unlikely to match.
        _sequence = (uint)Environment.TickCount;
    }

    /// <summary>Our port id (nl_pid) assigned by the kernel at bind.</summary>
    public uint PortId { get; }

    /// <summary>The managed socket, e.g. for Poll or ReceiveAsync.</summary>
    public Socket Socket => _socket;

    /// <summary>Opens and binds a netlink socket; <paramref name="groups"/> is the nl_groups multicast bitmask
    /// (bit g-1 for group g) for event listeners, 0 for request sockets.</summary>
    public static NetlinkSocket Open(NetlinkProtocol protocol, uint groups = 0)
    {
        var fd = NativeMethods.Socket(NativeMethods.AF_NETLINK, NativeMethods.SOCK_RAW | NativeMethods.SOCK_CLOEXEC, (int)protocol);
        if (fd < 0) throw new NetlinkException((Errno)Marshal.GetLastPInvokeError(), context: "socket(AF_NETLINK)");
        var address = new NativeMethods.SockaddrNl { Family = NativeMethods.AF_NETLINK, Groups = groups };
        if (NativeMethods.Bind(fd, ref address, Marshal.SizeOf<NativeMethods.SockaddrNl>()) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            NativeMethods.Close(fd);
            throw new NetlinkException((Errno)errno, context: "bind(AF_NETLINK)");
        }
        var bound = new NativeMethods.SockaddrNl();
        var length = Marshal.SizeOf<NativeMethods.SockaddrNl>();
        if (NativeMethods.GetSockName(fd, ref bound, ref length) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            NativeMethods.Close(fd);
            throw new NetlinkException((Errno)errno, context: "getsockname(AF_NETLINK)");
        }
        var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        var result = new NetlinkSocket(socket, bound.PortId);
        // Best effort: extended ACK messages and short ACKs. Old kernels reject these; that is fine.
        result.TrySetNetlinkOption(NetlinkSocketOption.ExtAck, 1);
        result.TrySetNetlinkOption(NetlinkSocketOption.CapAck, 1);
        return result;
    }

    public uint NextSequence() => ++_sequence == 0 ? ++_sequence : _sequence;

    /// <summary>Sets a SOL_NETLINK option; false if the kernel refused it.</summary>
    public bool TrySetNetlinkOption(NetlinkSocketOption option, int value) =>
        TrySetOption(NativeMethods.SOL_NETLINK, (int)option, value);

    /// <summary>Sets the receive buffer: SO_RCVBUFFORCE (root, ignores rmem_max), falling back to SO_RCVBUF.
    /// Returns the size the kernel reports afterwards (it doubles the request for bookkeeping).</summary>
    public int SetReceiveBufferSize(int bytes)
    {
        if (!TrySetOption(NativeMethods.SOL_SOCKET, NativeMethods.SO_RCVBUFFORCE, bytes))
            TrySetOption(NativeMethods.SOL_SOCKET, NativeMethods.SO_RCVBUF, bytes);
        return ReceiveBufferSize;
    }

    /// <summary>Sets the send buffer (SO_SNDBUFFORCE, falling back to SO_SNDBUF); it bounds one batched sendmsg.</summary>
    public int SetSendBufferSize(int bytes)
    {
        if (!TrySetOption(NativeMethods.SOL_SOCKET, NativeMethods.SO_SNDBUFFORCE, bytes))
            TrySetOption(NativeMethods.SOL_SOCKET, NativeMethods.SO_SNDBUF, bytes);
        return SendBufferSize;
    }

    public int ReceiveBufferSize => GetOption(NativeMethods.SOL_SOCKET, NativeMethods.SO_RCVBUF);
    public int SendBufferSize => GetOption(NativeMethods.SOL_SOCKET, NativeMethods.SO_SNDBUF);

    private bool TrySetOption(int level, int name, int value)
    {
        Span<byte> v = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(v, value);
        try
        {
            _socket.SetRawSocketOption(level, name, v);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private int GetOption(int level, int name)
    {
        Span<byte> v = stackalloc byte[4];
        _socket.GetRawSocketOption(level, name, v);
        return BinaryPrimitives.ReadInt32LittleEndian(v);
    }

    /// <summary>Sends one datagram (one message or a batch of messages) to the kernel.</summary>
    public void Send(ReadOnlySpan<byte> datagram)
    {
        try
        {
            var sent = _socket.Send(datagram);
            if (sent != datagram.Length) throw new NetlinkException(Errno.EMSGSIZE, context: $"short netlink send {sent}/{datagram.Length}");
        }
        catch (SocketException e)
        {
            throw new NetlinkException((Errno)e.NativeErrorCode, context: "netlink send");
        }
    }

    /// <summary>Receives one datagram. ENOBUFS (the receive queue overflowed and messages were dropped)
    /// is reported as <see cref="NetlinkException"/> with <see cref="Errno.ENOBUFS"/>.</summary>
    public int Receive(Span<byte> buffer)
    {
        try
        {
            return _socket.Receive(buffer);
        }
        catch (SocketException e)
        {
            throw new NetlinkException((Errno)e.NativeErrorCode, context: "netlink receive");
        }
    }

    /// <summary>Waits (poll) until a datagram or a pending error can be received; negative timeout waits forever.</summary>
    public bool WaitReadable(TimeSpan timeout)
    {
        var micro = timeout < TimeSpan.Zero ? -1 : (int)Math.Min(int.MaxValue, (long)timeout.TotalMicroseconds);
        return _socket.Poll(micro, SelectMode.SelectRead);
    }

    /// <summary>Asynchronous receive of one datagram; cancellable.</summary>
    public async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new NetlinkException((Errno)e.NativeErrorCode, context: "netlink receive");
        }
    }

    public void Dispose() => _socket.Dispose();
}
