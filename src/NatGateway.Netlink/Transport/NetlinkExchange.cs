namespace NatGateway.Netlink;

/// <summary>One message of a reply: its nlmsg_type and a copy of its payload (after the 16-byte header).</summary>
public sealed record NetlinkReplyMessage(ushort Type, byte[] Payload);

/// <summary>
/// One request and its whole answer on a request socket, for the small read-mostly clients (rtnetlink links and rules,
/// generic netlink, ethtool): send, then collect data messages until NLMSG_DONE (a dump) or the ACK (a request sent with
/// NLM_F_ACK). An NLMSG_ERROR becomes a <see cref="NetlinkException"/> naming <c>operation</c> (mdlayher/netlink's
/// OpError); an interrupted dump a <see cref="DumpInterruptedException"/>. Replies are copied: these answers are small.
/// </summary>
public static class NetlinkExchange
{
    /// <summary>Big enough for one dump datagram: the kernel fills at most max(page size, 32 KiB) per recvmsg
    /// (netlink_dump's NLMSG_GOODSIZE / min_dump_alloc), and a bigger receive buffer is harmless.</summary>
    public const int ReceiveBufferBytes = 256 * 1024;

    /// <summary>A dump, rebuilt and sent again when the kernel flags it NLM_F_DUMP_INTR (the table changed while it was
    /// walked, e.g. a link added during the dump): up to <paramref name="attempts"/> times, then the
    /// <see cref="DumpInterruptedException"/> stands.</summary>
    public static List<NetlinkReplyMessage> RunDump(INetlinkSocket socket, Action<AttributeWriter, uint> build, string operation, int attempts = 3)
    {
        for (var attempt = 1; ; attempt++)
        {
            var writer = new AttributeWriter(128);
            var sequence = socket.NextSequence();
            build(writer, sequence);
            try
            {
                return Run(socket, writer.WrittenSpan, sequence, dump: true, operation);
            }
            catch (DumpInterruptedException) when (attempt < attempts)
            {
            }
        }
    }

    public static List<NetlinkReplyMessage> Run(INetlinkSocket socket, ReadOnlySpan<byte> request, uint sequence, bool dump, string operation)
    {
        try
        {
            socket.Send(request);
        }
        catch (NetlinkException e) when (e.Operation != operation)
        {
            throw new NetlinkException(e.Errno, e.ExtendedAckMessage, $"{operation}: {e.Operation}");
        }
        var buffer = new byte[ReceiveBufferBytes];
        var messages = new List<NetlinkReplyMessage>();
        var interrupted = false;
        while (true)
        {
            var received = socket.Receive(buffer);
            var reply = new ReplyReader(buffer.AsSpan(0, received), sequence, sequence, socket.PortId);
            var finished = false;
            while (reply.Next())
            {
                switch (reply.Kind)
                {
                    case ReplyKind.Data:
                        messages.Add(new NetlinkReplyMessage(reply.Header.Type, reply.Payload.ToArray()));
                        break;
                    case ReplyKind.Error:
                        throw reply.ToException(operation);
                    case ReplyKind.Done:
                        finished = true;
                        break;
                    case ReplyKind.Ack:
                        // A dump ends with NLMSG_DONE; an ACK there would belong to NLM_F_ACK on the dump (not sent here).
                        if (!dump) finished = true;
                        break;
                }
            }
            if (reply.SawDumpInterrupted) interrupted = true;
            if (finished) break;
        }
        if (interrupted) throw new DumpInterruptedException();
        return messages;
    }
}
