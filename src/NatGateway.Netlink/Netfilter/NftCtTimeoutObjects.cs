
namespace NatGateway.Netlink.Netfilter;

/// <summary>The layer-4 protocol of a conntrack timeout policy (IPPROTO_*; the kernel's nf_ct_l4proto_find() key).</summary>
public enum CtTimeoutProtocol : byte
{
    Tcp = 6,
    Udp = 17,
}

/// <summary>
/// One nf_tables <c>ct timeout</c> object: <paramref name="Timeouts"/> maps a CTA_TIMEOUT_TCP_* / CTA_TIMEOUT_UDP_* attribute
/// number (linux/netfilter/nfnetlink_cttimeout.h) to seconds. States not given keep the namespace's sysctl defaults
/// (tcp_timeout_nlattr_to_obj()/udp_timeout_nlattr_to_obj() start from them).
/// </summary>
public sealed record CtTimeoutObject(string Name, CtTimeoutProtocol Protocol, IReadOnlyDictionary<ushort, uint> Timeouts);

/// <summary>
/// Creates nf_tables ct timeout objects with our own netlink, because libnftables 1.0.6's JSON parser drops an object's
/// "policy" (json_parse_ct_timeout_policy() tests json_unpack()'s result the wrong way round; fixed in nftables 1.0.9).
/// One nfnetlink batch (NFNL_MSG_BATCH_BEGIN … END) = one nf_tables transaction: the table (NFT_MSG_NEWTABLE, no NLM_F_EXCL:
/// kept when it exists) and every object (NFT_MSG_NEWOBJ, no NLM_F_EXCL: nf_tables_newobj() returns 0 for an existing object
/// of a type without an update op, which ct timeout is) — all or nothing.
/// </summary>
public static class NftCtTimeoutObjects
{
    /// <summary>NFNL_MSG_BATCH_BEGIN / NFNL_MSG_BATCH_END (nfnetlink.h; subsystem NONE).</summary>
    public const byte BatchBegin = 0x10, BatchEnd = 0x11;
    /// <summary>enum nf_tables_msg_types.</summary>
    public const byte NewTable = 0, NewObject = 18, DeleteObject = 20;
    /// <summary>NFTA_TABLE_NAME</summary>
    public const ushort TableName = 1;
    /// <summary>enum nft_object_attributes: NFTA_OBJ_TABLE, _NAME, _TYPE, _DATA.</summary>
    public const ushort ObjectTable = 1, ObjectName = 2, ObjectType = 3, ObjectData = 4;
    /// <summary>NFT_OBJECT_CT_TIMEOUT</summary>
    public const uint ObjectTypeCtTimeout = 7;
    /// <summary>enum nft_ct_timeout_timeout_attributes: NFTA_CT_TIMEOUT_L3PROTO (be16), _L4PROTO (u8), _DATA (nested).</summary>
    public const ushort CtTimeoutL3Proto = 1, CtTimeoutL4Proto = 2, CtTimeoutData = 3;
    /// <summary>CTA_TIMEOUT_TCP_ESTABLISHED (3; SYN_SENT 1, SYN_RECV 2 before it); CTA_TIMEOUT_UDP_UNREPLIED, CTA_TIMEOUT_UDP_REPLIED (values are be32 seconds).</summary>
    public const ushort TcpEstablished = 3, UdpUnreplied = 1, UdpReplied = 2;
    /// <summary>NFPROTO_INET</summary>
    public const byte FamilyInet = 1;

    /// <summary>
    /// The batch for <c>nft add table inet T; nft add ct timeout inet T name { protocol …; l3proto inet; policy = { … } }</c>,
    /// messages numbered from <paramref name="firstSequence"/> (begin, table, objects…, end).
    /// </summary>
    public static byte[] Build(byte family, string table, IReadOnlyList<CtTimeoutObject> objects, uint firstSequence)
    {
        var w = new AttributeWriter();
        var sequence = firstSequence;
        // The batch header's res_id names the subsystem the batch is for (nfnetlink_rcv_batch(), big-endian).
        w.BeginNetfilterMessage(NetfilterSubsystem.None, BatchBegin, NetlinkMessageFlags.Request, sequence++, 0,
            resourceId: (ushort)NetfilterSubsystem.Nftables);
        w.EndMessage();
        w.BeginNetfilterMessage(NetfilterSubsystem.Nftables, NewTable,
            NetlinkMessageFlags.Request | NetlinkMessageFlags.Create | NetlinkMessageFlags.Ack, sequence++, family);
        w.String(TableName, table);
        w.EndMessage();
        foreach (var o in objects)
        {
            w.BeginNetfilterMessage(NetfilterSubsystem.Nftables, NewObject,
                NetlinkMessageFlags.Request | NetlinkMessageFlags.Create | NetlinkMessageFlags.Ack, sequence++, family);
            w.String(ObjectTable, table);
            w.String(ObjectName, o.Name);
            w.UInt32BigEndian(ObjectType, ObjectTypeCtTimeout);
            using (w.Nested(ObjectData))
            {
                // The l3 protocol only labels the object (nf_ct_timeout.l3num, shown by a listing); the policy applies to
                // every flow of its l4 protocol that a rule hands it to.
                w.UInt16BigEndian(CtTimeoutL3Proto, family);
                w.UInt8(CtTimeoutL4Proto, (byte)o.Protocol);
                using (w.Nested(CtTimeoutData))
                    foreach (var (attribute, seconds) in o.Timeouts.OrderBy(t => t.Key))
                        w.UInt32BigEndian(attribute, seconds);
            }
            w.EndMessage();
        }
        w.BeginNetfilterMessage(NetfilterSubsystem.None, BatchEnd, NetlinkMessageFlags.Request, sequence, 0,
            resourceId: (ushort)NetfilterSubsystem.Nftables);
        w.EndMessage();
        return w.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The batch for <c>nft delete ct timeout inet T name</c> for each name (NFT_MSG_DELOBJ: table, name, type), numbered
    /// from <paramref name="firstSequence"/>. libnftables 1.0.6 cannot: cmd_evaluate_delete() asserts on a ct timeout
    /// object ("BUG: invalid command object type 7") and aborts the process.
    /// </summary>
    public static byte[] BuildDelete(byte family, string table, IReadOnlyList<string> names, uint firstSequence)
    {
        var w = new AttributeWriter();
        var sequence = firstSequence;
        w.BeginNetfilterMessage(NetfilterSubsystem.None, BatchBegin, NetlinkMessageFlags.Request, sequence++, 0,
            resourceId: (ushort)NetfilterSubsystem.Nftables);
        w.EndMessage();
        foreach (var name in names)
        {
            w.BeginNetfilterMessage(NetfilterSubsystem.Nftables, DeleteObject,
                NetlinkMessageFlags.Request | NetlinkMessageFlags.Ack, sequence++, family);
            w.String(ObjectTable, table);
            w.String(ObjectName, name);
            w.UInt32BigEndian(ObjectType, ObjectTypeCtTimeout);
            w.EndMessage();
        }
        w.BeginNetfilterMessage(NetfilterSubsystem.None, BatchEnd, NetlinkMessageFlags.Request, sequence, 0,
            resourceId: (ushort)NetfilterSubsystem.Nftables);
        w.EndMessage();
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Sends <see cref="BuildDelete"/>'s batch on <paramref name="socket"/> and waits for every ACK.</summary>
    public static void Delete(INetlinkSocket socket, byte family, string table, IReadOnlyList<string> names)
    {
        if (names.Count == 0) return;
        var first = Reserve(socket, names.Count + 2);
        socket.Send(BuildDelete(family, table, names, first));
        WaitForAcks(socket, first, names.Count + 2, names.Count, $"delete ct timeout objects in table {table}");
    }

    private static uint Reserve(INetlinkSocket socket, int messages)
    {
        var first = socket.NextSequence();
        for (var i = 1; i < messages; i++) socket.NextSequence();
        return first;
    }

    /// <summary>NLM_F_ACK on each message of the batch: one ACK each, or the first error (the kernel then aborts the batch).</summary>
    private static void WaitForAcks(INetlinkSocket socket, uint first, int messages, int expected, string operation)
    {
        var buffer = new byte[NetlinkExchange.ReceiveBufferBytes];
        while (expected > 0)
        {
            var received = socket.Receive(buffer);
            var reply = new ReplyReader(buffer.AsSpan(0, received), first, first + (uint)messages - 1, socket.PortId);
            while (reply.Next())
                switch (reply.Kind)
                {
                    case ReplyKind.Error: throw reply.ToException(operation);
                    case ReplyKind.Ack: expected--; break;
                }
        }
    }

    /// <summary>
    /// Sends <see cref="Build"/>'s batch on <paramref name="socket"/> (an NETLINK_NETFILTER socket: it acts in the network
    /// namespace it was opened in) and waits for every ACK; throws <see cref="NetlinkException"/> with the kernel's error.
    /// </summary>
    public static void Create(INetlinkSocket socket, byte family, string table, IReadOnlyList<CtTimeoutObject> objects)
    {
        var first = Reserve(socket, objects.Count + 3);
        socket.Send(Build(family, table, objects, first));
        WaitForAcks(socket, first, objects.Count + 3, objects.Count + 1, $"create ct timeout objects in table {table}");
    }

}
