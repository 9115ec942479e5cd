using System.Buffers.Binary;
using System.Text;
using NatGateway.Netlink;

namespace NatGateway.Conntrack.Tests.NetlinkTest;

/// <summary>
/// Builders for the replies a kernel sends, addressed as the kernel addresses them (the request's sequence
/// number, the requester's port id): multipart dumps ending in NLMSG_DONE, ACKs, NLMSG_ERROR with -errno,
/// NLM_F_DUMP_INTR. Each returns whole datagrams (byte[]) or single messages to pack with <see cref="Datagram"/>.
/// </summary>
public static class NetlinkReplies
{
    /// <summary>A message of <paramref name="type"/> with <paramref name="payload"/>.</summary>
    public static byte[] Message(ushort type, NetlinkMessageFlags flags, uint sequence, ReadOnlySpan<byte> payload,
        uint portId = FakeNetlinkSocket.DefaultPortId)
    {
        var bytes = new byte[NetlinkMessageHeader.Align(NetlinkMessageHeader.Size + payload.Length)];
        new NetlinkMessageHeader((uint)(NetlinkMessageHeader.Size + payload.Length), type, flags, sequence, portId).Write(bytes);
        payload.CopyTo(bytes.AsSpan(NetlinkMessageHeader.Size));
        return bytes;
    }

    /// <summary>A captured message (header included) re-addressed to a request: its sequence number and port,
    /// its flags replaced by <paramref name="flags"/>.</summary>
    public static byte[] Readdress(byte[] captured, uint sequence, NetlinkMessageFlags flags, uint portId = FakeNetlinkSocket.DefaultPortId)
    {
        var header = NetlinkMessageHeader.Read(captured);
        return Message(header.Type, flags, sequence, captured.AsSpan(NetlinkMessageHeader.Size, (int)header.Length - NetlinkMessageHeader.Size), portId);
    }

    /// <summary>Messages packed into one datagram (each already 4-byte aligned).</summary>
    public static byte[] Datagram(params IEnumerable<byte[]> messages) => messages.SelectMany(m => m).ToArray();

    /// <summary>NLMSG_DONE of a dump: NLM_F_MULTI and a 4-byte status (0, or -errno when the dump failed part way).</summary>
    public static byte[] Done(uint sequence, NetlinkMessageFlags extraFlags = NetlinkMessageFlags.None, int status = 0)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(payload, status);
        return Message((ushort)NetlinkMessageType.Done, NetlinkMessageFlags.Multi | extraFlags, sequence, payload);
    }

    /// <summary>
    /// A dump reply: <paramref name="captured"/> messages re-addressed to <paramref name="request"/> with NLM_F_MULTI,
    /// <paramref name="perDatagram"/> to a datagram, and NLMSG_DONE in a datagram of its own (as netlink_dump sends it
    /// when the last skb is full) or, with <paramref name="packDone"/>, after the last entries (when there is room). With <paramref name="interruptedAt"/>, messages from that index on and the DONE
    /// carry NLM_F_DUMP_INTR, as nl_dump_check_consistent marks them once the table's generation changed.
    /// </summary>
    public static IEnumerable<byte[]> Multipart(NetlinkMessage request, IEnumerable<byte[]> captured, int perDatagram = 2, int? interruptedAt = null,
        bool packDone = false)
    {
        var datagrams = new List<byte[]>();
        var index = 0;
        var interrupted = false;
        foreach (var chunk in captured.Chunk(perDatagram))
        {
            var messages = new List<byte[]>();
            foreach (var message in chunk)
            {
                interrupted |= index++ >= interruptedAt;
                var flags = NetlinkMessageFlags.Multi | (interrupted ? NetlinkMessageFlags.DumpInterrupted : 0);
                messages.Add(Readdress(message, request.Sequence, flags));
            }
            datagrams.Add(Datagram(messages));
        }
        var done = Done(request.Sequence, interrupted || interruptedAt is not null ? NetlinkMessageFlags.DumpInterrupted : 0);
        if (packDone && datagrams.Count > 0) datagrams[^1] = Datagram(datagrams[^1], done);
        else datagrams.Add(done);
        return datagrams;
    }

    /// <summary>NLMSG_ERROR with error 0 (an ACK), echoing only the request's header (NETLINK_CAP_ACK, which the
    /// client's socket sets, so NLM_F_CAPPED).</summary>
    public static byte[] Ack(NetlinkMessage request) => ErrorMessage(request, 0, null);

    /// <summary>NLMSG_ERROR with -<paramref name="errno"/> for <paramref name="request"/>, optionally with an
    /// extended-ack text (NLMSGERR_ATTR_MSG), e.g. ENOENT for an entry already gone.</summary>
    public static byte[] Error(NetlinkMessage request, Errno errno, string? extendedAck = null) =>
        ErrorMessage(request, -(int)errno, extendedAck);

    /// <summary>What netlink_rcv_skb sends for one handled message: an error when it failed, an ACK when it
    /// succeeded and asked for one (NLM_F_ACK), nothing for a success without NLM_F_ACK (the batch case).</summary>
    public static IEnumerable<byte[]> AckOrError(NetlinkMessage request, Errno? error = null)
    {
        if (error is { } errno) return [Error(request, errno)];
        return (request.Flags & NetlinkMessageFlags.Ack) != 0 ? [Ack(request)] : [];
    }

    private static byte[] ErrorMessage(NetlinkMessage request, int error, string? extendedAck)
    {
        var flags = NetlinkMessageFlags.Capped | (extendedAck is null ? 0 : NetlinkMessageFlags.AckTlvs);
        var w = new AttributeWriter();
        w.BeginMessage((ushort)NetlinkMessageType.Error, flags, request.Sequence, FakeNetlinkSocket.DefaultPortId);
        var body = new byte[4 + NetlinkMessageHeader.Size];
        BinaryPrimitives.WriteInt32LittleEndian(body, error);
        request.Header.Write(body.AsSpan(4));
        w.WriteRaw(body);
        if (extendedAck is not null) w.Bytes((ushort)NetlinkErrorAttribute.Message, Encoding.UTF8.GetBytes(extendedAck + "\0"));
        w.EndMessage();
        return w.WrittenSpan.ToArray();
    }
}
