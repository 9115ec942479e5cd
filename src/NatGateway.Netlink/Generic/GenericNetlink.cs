using System.Buffers.Binary;

namespace NatGateway.Netlink.Generic;

/// <summary>
/// Generic netlink (NETLINK_GENERIC, linux/genetlink.h): every message starts with struct genlmsghdr
/// { u8 cmd; u8 version; u16 reserved; } and families get their nlmsg_type at registration, so a client first asks the
/// controller (GENL_ID_CTRL) for the id of a family by name (CTRL_CMD_GETFAMILY), like genl_ctrl_resolve in libnl or
/// mdlayher/genetlink's GetFamily.
/// </summary>
public static class GenericNetlink
{
    /// <summary>sizeof(struct genlmsghdr)</summary>
    public const int HeaderSize = 4;

    /// <summary>GENL_ID_CTRL: the controller family's fixed nlmsg_type.</summary>
    public const ushort ControllerFamilyId = 0x10;

    /// <summary>CTRL_CMD_GETFAMILY</summary>
    public const byte CommandGetFamily = 3;

    /// <summary>CTRL_ATTR_FAMILY_ID (u16)</summary>
    public const ushort AttributeFamilyId = 1;

    /// <summary>CTRL_ATTR_FAMILY_NAME (string)</summary>
    public const ushort AttributeFamilyName = 2;

    /// <summary>Appends struct genlmsghdr.</summary>
    public static void WriteHeader(AttributeWriter writer, byte command, byte version) => writer.WriteRaw([command, version, 0, 0]);

    /// <summary>CTRL_CMD_GETFAMILY for <paramref name="name"/> (as `genl ctrl get name NAME` sends it), with NLM_F_ACK.</summary>
    public static void WriteGetFamily(AttributeWriter writer, uint sequence, string name)
    {
        writer.BeginMessage(ControllerFamilyId, NetlinkMessageFlags.Request | NetlinkMessageFlags.Ack, sequence);
        WriteHeader(writer, CommandGetFamily, version: 1);
        writer.String(AttributeFamilyName, name);
        writer.EndMessage();
    }

    /// <summary>The nlmsg_type of family <paramref name="name"/>. The kernel answers ENOENT for a family it does not
    /// have (e.g. "ethtool" without CONFIG_ETHTOOL_NETLINK); that error names the family.</summary>
    public static ushort ResolveFamily(INetlinkSocket socket, string name)
    {
        var writer = new AttributeWriter(64);
        var sequence = socket.NextSequence();
        WriteGetFamily(writer, sequence, name);
        var replies = NetlinkExchange.Run(socket, writer.WrittenSpan, sequence, dump: false, $"genetlink resolve family \"{name}\"");
        foreach (var reply in replies)
        {
            if (reply.Type != ControllerFamilyId || reply.Payload.Length < HeaderSize) continue;
            var attributes = new AttributeReader(reply.Payload.AsSpan(HeaderSize));
            while (attributes.Next())
                if (attributes.Type == AttributeFamilyId && attributes.Data.Length == 2)
                    return BinaryPrimitives.ReadUInt16LittleEndian(attributes.Data);
            if (attributes.Error is not null) throw new NetlinkParseException($"genetlink family \"{name}\": {attributes.Error}");
        }
        throw new NetlinkParseException($"genetlink family \"{name}\": no CTRL_ATTR_FAMILY_ID in the reply");
    }
}
