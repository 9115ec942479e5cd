using NatGateway.Netlink;

namespace NatGateway.Conntrack.Tests.NetlinkTest;

/// <summary>One netlink message as the fake socket sees it: header and the bytes after it (nltest's
/// <c>netlink.Message</c>). <see cref="Bytes"/> is the whole message as sent, for golden comparisons.</summary>
public sealed record NetlinkMessage(NetlinkMessageHeader Header, byte[] Data)
{
    public uint Sequence => Header.Sequence;
    public NetlinkMessageFlags Flags => Header.Flags;

    /// <summary>The whole message (header + data), lower-case hex, as in the golden request tests.</summary>
    public string Hex => Convert.ToHexString(Bytes()).ToLowerInvariant();

    public byte[] Bytes()
    {
        var bytes = new byte[NetlinkMessageHeader.Size + Data.Length];
        (Header with { Length = (uint)bytes.Length }).Write(bytes);
        Data.CopyTo(bytes, NetlinkMessageHeader.Size);
        return bytes;
    }

    /// <summary>Splits a datagram into its messages; a malformed datagram fails the test.</summary>
    public static List<NetlinkMessage> Parse(ReadOnlySpan<byte> datagram)
    {
        var result = new List<NetlinkMessage>();
        var reader = new NetlinkMessageReader(datagram);
        while (reader.Next()) result.Add(new NetlinkMessage(reader.Header, reader.Payload.ToArray()));
        if (reader.Error is not null) throw new InvalidOperationException("the client sent a malformed datagram: " + reader.Error);
        return result;
    }
}
