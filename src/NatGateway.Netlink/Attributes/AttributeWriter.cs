using System.Buffers.Binary;

namespace NatGateway.Netlink;

/// <summary>
/// Builds netlink messages and their attributes into one reusable growable buffer. Many messages can be
/// appended back to back and sent in a single sendmsg (a batch). Lengths are patched in when a message
/// or a nested attribute scope ends: <c>using (w.Nested(type)) { ... }</c>.
/// </summary>
public sealed class AttributeWriter
{
    private byte[] _buffer;
    private int _length;
    private int _messageStart = -1;

    public AttributeWriter(int initialCapacity = 4096) => _buffer = new byte[Math.Max(64, initialCapacity)];

    /// <summary>Bytes written so far (all complete messages plus any open one).</summary>
    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public void Clear()
    {
        _length = 0;
        _messageStart = -1;
    }

    /// <summary>Starts a message; <see cref="EndMessage"/> fills in nlmsg_len.</summary>
    public void BeginMessage(ushort type, NetlinkMessageFlags flags, uint sequence, uint portId = 0)
    {
        if (_messageStart >= 0) throw new InvalidOperationException("previous message not ended");
        _messageStart = _length;
        new NetlinkMessageHeader(0, type, flags, sequence, portId).Write(Reserve(NetlinkMessageHeader.Size));
    }

    public void EndMessage()
    {
        if (_messageStart < 0) throw new InvalidOperationException("no message open");
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_messageStart), (uint)(_length - _messageStart));
        _messageStart = -1;
    }

    /// <summary>Appends raw bytes (e.g. a family header such as nfgenmsg), padded to 4.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void Bytes(ushort type, ReadOnlySpan<byte> value)
    {
        var span = Reserve(AttributeFlags.HeaderSize + value.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)(AttributeFlags.HeaderSize + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        value.CopyTo(span[AttributeFlags.HeaderSize..]);
    }

    public void UInt8(ushort type, byte value) => Bytes(type, [value]);

    public void UInt16BigEndian(ushort type, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, value);
        Bytes(type, b);
    }

    public void UInt32BigEndian(ushort type, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        Bytes(type, b);
    }

    public void UInt64BigEndian(ushort type, ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, value);
        Bytes(type, b);
    }

    public void UInt32(ushort type, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        Bytes(type, b);
    }

    /// <summary>A NUL-terminated string (NLA_NUL_STRING / NLA_STRING as iproute2 and ethtool send them).</summary>
    public void String(ushort type, string value)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(value) + 1];
        System.Text.Encoding.UTF8.GetBytes(value, bytes);
        Bytes(type, bytes);
    }

    /// <summary>A flag attribute (NLA_FLAG): present means true, no payload.</summary>
    public void Flag(ushort type) => Bytes(type, []);

    /// <summary>Opens a nested attribute (NLA_F_NESTED set); dispose the scope to close it.</summary>
    public NestedScope Nested(ushort type)
    {
        var start = _length;
        var span = Reserve(AttributeFlags.HeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], (ushort)(type | AttributeFlags.Nested));
        return new NestedScope(this, start);
    }

    internal void CloseNested(int start) =>
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(start), checked((ushort)(_length - start)));

    /// <summary>Reserves <paramref name="size"/> bytes plus alignment padding (zeroed) and returns the unpadded span.</summary>
    private Span<byte> Reserve(int size)
    {
        var padded = NetlinkMessageHeader.Align(size);
        if (_length + padded > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + padded));
        var span = _buffer.AsSpan(_length, padded);
        span.Clear();
        _length += padded;
        return span[..size];
    }

    /// <summary>Closes a nested attribute, writing its final length.</summary>
    public readonly struct NestedScope : IDisposable
    {
        private readonly AttributeWriter _writer;
        private readonly int _start;

        internal NestedScope(AttributeWriter writer, int start)
        {
            _writer = writer;
            _start = start;
        }

        public void Dispose() => _writer.CloseNested(_start);
    }
}
