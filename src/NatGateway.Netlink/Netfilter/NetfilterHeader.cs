using System.Buffers.Binary;

namespace NatGateway.Netlink.Netfilter;

/// <summary>struct nfgenmsg: the 4-byte header after nlmsghdr in every nfnetlink message.
/// <see cref="ResourceId"/> is big-endian on the wire (for ctnetlink per-CPU stats it is the CPU number).</summary>
public readonly record struct NetfilterHeader(byte Family, byte Version, ushort ResourceId)
{
    public const int Size = 4;

    /// <summary>NFNETLINK_V0</summary>
    public const byte Version0 = 0;

    /// <summary>Version 1: ctnetlink treats the family as a filter for flushes (kernel 5.x+); the
    /// kernel itself does not define a name for it.</summary>
    public const byte Version1 = 1;

    public static NetfilterHeader Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < Size) throw new NetlinkParseException($"nfgenmsg truncated: {payload.Length} bytes");
        return new(payload[0], payload[1], BinaryPrimitives.ReadUInt16BigEndian(payload[2..]));
    }

    public void Write(Span<byte> destination)
    {
        destination[0] = Family;
        destination[1] = Version;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], ResourceId);
    }
}

/// <summary>nlmsg_type composition for nfnetlink: (subsystem &lt;&lt; 8) | message.</summary>
public static class NetfilterMessageType
{
    public static ushort Compose(NetfilterSubsystem subsystem, byte message) => (ushort)(((int)subsystem << 8) | message);
    public static NetfilterSubsystem Subsystem(ushort type) => (NetfilterSubsystem)(type >> 8);
    public static byte Message(ushort type) => (byte)type;
}

/// <summary>Helpers to start an nfnetlink message in an <see cref="AttributeWriter"/>.</summary>
public static class NetfilterWriterExtensions
{
    /// <summary>Writes nlmsghdr + nfgenmsg; close with <see cref="AttributeWriter.EndMessage"/>.</summary>
    public static void BeginNetfilterMessage(this AttributeWriter writer, NetfilterSubsystem subsystem, byte message,
        NetlinkMessageFlags flags, uint sequence, byte family, byte version = NetfilterHeader.Version0, ushort resourceId = 0)
    {
        writer.BeginMessage(NetfilterMessageType.Compose(subsystem, message), flags, sequence);
        Span<byte> header = stackalloc byte[NetfilterHeader.Size];
        new NetfilterHeader(family, version, resourceId).Write(header);
        writer.WriteRaw(header);
    }
}
