namespace NatGateway.Netlink;

/// <summary>Flag bits carried in nla_type (linux/netlink.h).</summary>
public static class AttributeFlags
{
    /// <summary>NLA_F_NESTED: the payload is itself a list of attributes.</summary>
    public const ushort Nested = 1 << 15;
    /// <summary>NLA_F_NET_BYTEORDER: the payload is big-endian.</summary>
    public const ushort NetByteOrder = 1 << 14;
    /// <summary>NLA_TYPE_MASK: the type without the two flag bits.</summary>
    public const ushort TypeMask = unchecked((ushort)~(Nested | NetByteOrder));
    /// <summary>sizeof(struct nlattr)</summary>
    public const int HeaderSize = 4;
}
