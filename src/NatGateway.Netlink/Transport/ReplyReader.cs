using System.Buffers.Binary;

namespace NatGateway.Netlink;

/// <summary>What one message in a reply datagram is.</summary>
public enum ReplyKind
{
    /// <summary>A data message for the caller (e.g. one conntrack entry).</summary>
    Data,
    /// <summary>NLMSG_ERROR with error 0: the request with this sequence number succeeded.</summary>
    Ack,
    /// <summary>NLMSG_ERROR with a negative error: the request with this sequence number failed.</summary>
    Error,
    /// <summary>NLMSG_DONE: end of a dump (an error code inside is reported as <see cref="Error"/>).</summary>
    Done,
}

/// <summary>
/// Classifies the messages of one reply datagram for a request (or a batch of requests) whose sequence
/// numbers lie in [<c>firstSequence</c>, <c>lastSequence</c>]. Messages for other sequence numbers
/// (left over from an abandoned earlier request) are skipped. A message addressed to another port, or a
/// malformed datagram, raises <see cref="NetlinkParseException"/>.
/// </summary>
public ref struct ReplyReader
{
    private NetlinkMessageReader _messages;
    private readonly uint _firstSequence;
    private readonly uint _lastSequence;
    private readonly uint _portId;

    public ReplyReader(ReadOnlySpan<byte> datagram, uint firstSequence, uint lastSequence, uint portId)
    {
        _messages = new NetlinkMessageReader(datagram);
        _firstSequence = firstSequence;
        _lastSequence = lastSequence;
        _portId = portId;
        Kind = ReplyKind.Data;
        Errno = 0;
        ExtendedAckMessage = null;
        SawDumpInterrupted = false;
    }

    public ReplyKind Kind { get; private set; }
    public readonly NetlinkMessageHeader Header => _messages.Header;
    public readonly ReadOnlySpan<byte> Payload => _messages.Payload;

    /// <summary>For <see cref="ReplyKind.Error"/>: the positive errno.</summary>
    public Errno Errno { get; private set; }

    /// <summary>For <see cref="ReplyKind.Error"/>: NLMSGERR_ATTR_MSG if the kernel sent one.</summary>
    public string? ExtendedAckMessage { get; private set; }

    /// <summary>True once any message carried NLM_F_DUMP_INTR.</summary>
    public bool SawDumpInterrupted { get; private set; }

    public bool Next()
    {
        while (_messages.Next())
        {
            var h = _messages.Header;
            if (h.PortId != _portId && h.PortId != 0)
                throw new NetlinkParseException($"netlink reply for port {h.PortId}, expected {_portId}");
            if (unchecked(h.Sequence - _firstSequence) > unchecked(_lastSequence - _firstSequence))
                continue; // stale reply to an earlier, abandoned request
            if ((h.Flags & NetlinkMessageFlags.DumpInterrupted) != 0) SawDumpInterrupted = true;
            switch ((NetlinkMessageType)h.Type)
            {
                case NetlinkMessageType.Noop:
                    continue;
                case NetlinkMessageType.Error:
                    ParseError(h, _messages.Payload);
                    return true;
                case NetlinkMessageType.Done:
                    if (_messages.Payload.Length >= 4 && BinaryPrimitives.ReadInt32LittleEndian(_messages.Payload) < 0)
                    {
                        Kind = ReplyKind.Error;
                        Errno = (Errno)(-BinaryPrimitives.ReadInt32LittleEndian(_messages.Payload));
                        ExtendedAckMessage = null;
                    }
                    else
                    {
                        Kind = ReplyKind.Done;
                    }
                    return true;
                case NetlinkMessageType.Overrun:
                    throw new NetlinkParseException("NLMSG_OVERRUN: data lost");
                default:
                    Kind = ReplyKind.Data;
                    return true;
            }
        }
        if (_messages.Error is not null) throw new NetlinkParseException(_messages.Error);
        return false;
    }

    private void ParseError(NetlinkMessageHeader header, ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4) throw new NetlinkParseException($"NLMSG_ERROR payload too short: {payload.Length} bytes");
        var error = BinaryPrimitives.ReadInt32LittleEndian(payload);
        ExtendedAckMessage = null;
        if (error == 0)
        {
            Kind = ReplyKind.Ack;
            Errno = 0;
            return;
        }
        Kind = ReplyKind.Error;
        Errno = (Errno)(-error);
        if ((header.Flags & NetlinkMessageFlags.AckTlvs) == 0) return;
        // struct nlmsgerr { int error; struct nlmsghdr msg; } then, unless capped, the whole request, then TLVs.
        var rest = payload[4..];
        if (rest.Length < NetlinkMessageHeader.Size) return;
        var echoed = NetlinkMessageHeader.Read(rest);
        var skip = (header.Flags & NetlinkMessageFlags.Capped) != 0
            ? NetlinkMessageHeader.Size
            : NetlinkMessageHeader.Align((int)Math.Min(echoed.Length, (uint)rest.Length));
        if (skip > rest.Length) return;
        var attributes = new AttributeReader(rest[skip..]);
        while (attributes.Next())
            if (attributes.Type == (ushort)NetlinkErrorAttribute.Message)
                ExtendedAckMessage = attributes.String();
    }

    /// <summary>An exception for the current <see cref="ReplyKind.Error"/> message.</summary>
    public readonly NetlinkException ToException(string? context = null) => new(Errno, ExtendedAckMessage, context);
}
