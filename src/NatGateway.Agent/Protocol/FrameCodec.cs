using System.Buffers.Binary;

namespace NatGateway.Agent.Protocol;

/// <summary>
/// Length-prefixed frames on a stream: a 4-byte little-endian length (of type + payload), the type byte, the payload.
/// Reads are capped at <see cref="AgentProtocol.MaxFrameBytes"/> before anything is allocated.
/// </summary>
public static class FrameCodec
{
    public const int HeaderBytes = 5;

    /// <summary>Writes one frame (header and payload in one write where it fits). Not thread-safe: callers serialize writes.</summary>
    public static void Write(Stream stream, FrameType type, ReadOnlySpan<byte> payload)
    {
        if (payload.Length + 1L > AgentProtocol.MaxFrameBytes) throw new FrameTooLargeException(payload.Length + 1L);
        Span<byte> header = stackalloc byte[HeaderBytes];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length + 1);
        header[4] = (byte)type;
        stream.Write(header);
        if (!payload.IsEmpty) stream.Write(payload);
    }

    /// <summary>Reads one frame into a fresh buffer; null on a clean end of stream before a header.
    /// Throws <see cref="EndOfStreamException"/> on a truncated frame and <see cref="FrameTooLargeException"/> on a bad length.</summary>
    public static Frame? Read(Stream stream)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        var got = ReadAtMost(stream, header);
        if (got == 0) return null;
        if (got < HeaderBytes) throw new EndOfStreamException("agent frame header truncated");
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 1 || length > AgentProtocol.MaxFrameBytes) throw new FrameTooLargeException(length);
        var payload = GC.AllocateUninitializedArray<byte>(length - 1);
        if (ReadAtMost(stream, payload) < payload.Length) throw new EndOfStreamException("agent frame truncated");
        return new Frame((FrameType)header[4], payload);
    }

    private static int ReadAtMost(Stream stream, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
