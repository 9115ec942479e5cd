using System.Buffers.Binary;

namespace NatGateway.Netlink.Route;

/// <summary>
/// One link of an RTM_GETLINK dump (`ip -d link show`): struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index;
/// u32 flags; u32 change; } then IFLA_* attributes.
/// </summary>
/// <param name="Index">ifi_index</param>
/// <param name="Name">IFLA_IFNAME</param>
/// <param name="Flags">ifi_flags (IFF_*)</param>
/// <param name="Kind">IFLA_INFO_KIND, null for a device without IFLA_LINKINFO (a NIC)</param>
/// <param name="Link">IFLA_LINK as sent (a VLAN's parent, a veth's peer), null when absent.</param>
/// <param name="LinkInOtherNamespace">IFLA_LINK_NETNSID was present: <paramref name="Link"/> is an index elsewhere.</param>
/// <param name="KindLower">Kind-specific underlay from IFLA_INFO_DATA (IFLA_VXLAN_LINK), null when absent or 0.</param>
public sealed record RouteLink(int Index, string Name, uint Flags, string? Kind, int? Link, bool LinkInOtherNamespace, int? KindLower)
{
    /// <summary>sizeof(struct ifinfomsg)</summary>
    public const int HeaderSize = 16;

    /// <summary>IFF_LOOPBACK (linux/if.h)</summary>
    public const uint LoopbackFlag = 0x8;

    public bool IsLoopback => (Flags & LoopbackFlag) != 0;

    /// <summary>RTM_GETLINK with NLM_F_DUMP and an AF_UNSPEC ifinfomsg: `ip link show`.</summary>
    public static void WriteDumpRequest(AttributeWriter writer, uint sequence)
    {
        writer.BeginMessage((ushort)RouteMessageType.GetLink, NetlinkMessageFlags.Request | NetlinkMessageFlags.Dump, sequence);
        writer.WriteRaw(stackalloc byte[HeaderSize]);
        writer.EndMessage();
    }

    /// <summary>Parses an RTM_NEWLINK payload.</summary>
    public static RouteLink Parse(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < HeaderSize) throw new NetlinkParseException($"RTM_NEWLINK: {payload.Length} bytes, ifinfomsg needs {HeaderSize}");
        var index = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        string name = "";
        string? kind = null;
        int? link = null, kindLower = null;
        var otherNamespace = false;
        var reader = new AttributeReader(payload[NetlinkMessageHeader.Align(HeaderSize)..]);
        while (reader.Next())
        {
            switch ((LinkAttribute)reader.Type)
            {
                case LinkAttribute.IfName: name = reader.String(); break;
                case LinkAttribute.Link: link = (int)reader.UInt32(); break;
                case LinkAttribute.LinkNetnsId: otherNamespace = true; break;
                case LinkAttribute.LinkInfo:
                    var info = reader.Nested();
                    while (info.Next())
                    {
                        if (info.Type == (ushort)LinkInfoAttribute.Kind) kind = info.String();
                        else if (info.Type == (ushort)LinkInfoAttribute.Data) kindLower = DataLower(info.Data, kind);
                    }
                    if (info.Error is not null) throw new NetlinkParseException($"RTM_NEWLINK {name} IFLA_LINKINFO: {info.Error}");
                    break;
            }
        }
        if (reader.Error is not null) throw new NetlinkParseException($"RTM_NEWLINK {index}: {reader.Error}");
        return new RouteLink(index, name, flags, kind, link, otherNamespace, kindLower);
    }

    // rtnl_link_info_fill puts IFLA_INFO_KIND before IFLA_INFO_DATA, so the kind is known here.
    private static int? DataLower(ReadOnlySpan<byte> data, string? kind)
    {
        if (kind != "vxlan") return null;
        var reader = new AttributeReader(data);
        while (reader.Next())
            if (reader.Type == VxlanAttribute.Link)
            {
                var lower = reader.UInt32();
                return lower == 0 ? null : (int)lower;
            }
        return null;
    }
}
