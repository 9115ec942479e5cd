using System.Buffers.Binary;
using System.Text;

namespace NatGateway.Netlink;

/// <summary>
/// Iterates netlink attributes (struct nlattr) in a payload without allocating, in the style of
/// mdlayher/netlink's AttributeDecoder: call <see cref="Next"/>, read <see cref="Type"/> and a typed value;
/// a wrong size or a lying length sets a sticky <see cref="Error"/> and stops iteration, never throwing
/// and never reading outside the span. Check <see cref="Error"/> when done.
/// NLA_F_NESTED and NLA_F_NET_BYTEORDER are stripped from <see cref="Type"/>.
/// </summary>
public ref struct AttributeReader
{
    private ReadOnlySpan<byte> _remaining;

    public AttributeReader(ReadOnlySpan<byte> attributes)
    {
        _remaining = attributes;
        Type = 0;
        RawType = 0;
        Data = default;
        Error = null;
    }

    /// <summary>Attribute type with flag bits removed.</summary>
    public ushort Type { get; private set; }

    /// <summary>nla_type as sent, flags included.</summary>
    public ushort RawType { get; private set; }

    public readonly bool IsNestedFlagSet => (RawType & AttributeFlags.Nested) != 0;

    /// <summary>The current attribute's payload (without padding).</summary>
    public ReadOnlySpan<byte> Data { get; private set; }

    /// <summary>First problem met, or null. Once set, <see cref="Next"/> returns false.</summary>
    public string? Error { get; private set; }

    public readonly bool Ok => Error is null;

    public bool Next()
    {
        // A failure clears _remaining, so an empty span also covers the sticky-error case.
        var remaining = _remaining;
        if (remaining.Length < AttributeFlags.HeaderSize)
        {
            if (remaining.IsEmpty) return false;
            // Trailing bytes shorter than a header: a well-formed message never has them.
            return Fail($"truncated attribute header: {remaining.Length} bytes left");
        }
        int length = BinaryPrimitives.ReadUInt16LittleEndian(remaining);
        if (length < AttributeFlags.HeaderSize || length > remaining.Length)
            return Fail($"attribute length {length} invalid with {remaining.Length} bytes left");
        var rawType = BinaryPrimitives.ReadUInt16LittleEndian(remaining[2..]);
        RawType = rawType;
        Type = (ushort)(rawType & AttributeFlags.TypeMask);
        Data = remaining.Slice(AttributeFlags.HeaderSize, length - AttributeFlags.HeaderSize);
        var advance = (length + 3) & ~3;
        _remaining = advance >= remaining.Length ? default : remaining[advance..];
        return true;
    }

    /// <summary>Records an error (first one wins) and stops the iteration. Returns false for convenience.</summary>
    public bool Fail(string error)
    {
        Error ??= error;
        _remaining = default;
        return false;
    }

    /// <summary>A reader over the current attribute's payload; propagate its <see cref="Error"/> with <see cref="Fail"/>.</summary>
    public readonly AttributeReader Nested() => new(Data);

    public byte UInt8() => Data.Length == 1 ? Data[0] : Bad<byte>(1);
    public ushort UInt16() => Data.Length == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(Data) : Bad<ushort>(2);
    public uint UInt32() => Data.Length == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Data) : Bad<uint>(4);
    public ulong UInt64() => Data.Length == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(Data) : Bad<ulong>(8);
    public ushort UInt16BigEndian() => Data.Length == 2 ? BinaryPrimitives.ReadUInt16BigEndian(Data) : Bad<ushort>(2);
    public uint UInt32BigEndian() => Data.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(Data) : Bad<uint>(4);
    public ulong UInt64BigEndian() => Data.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(Data) : Bad<ulong>(8);

    /// <summary>Reads a string, dropping the NUL terminator if present.</summary>
    public readonly string String()
    {
        var d = Data;
        var nul = d.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? d[..nul] : d);
    }

    private T Bad<T>(int expected) where T : struct
    {
        Fail($"attribute {Type}: expected {expected} bytes, got {Data.Length}");
        return default;
    }
}
