namespace NatGateway.Netlink.Ethtool;

// Numbers from include/uapi/linux/ethtool_netlink.h (and Documentation/networking/ethtool-netlink.rst).

/// <summary>Generic netlink family name and version (ETHTOOL_GENL_NAME, ETHTOOL_GENL_VERSION).</summary>
public static class EthtoolFamily
{
    public const string Name = "ethtool";
    public const byte Version = 1;
}

/// <summary>genlmsghdr.cmd values. Userspace→kernel and kernel→userspace are separate enums in the header; the
/// features messages happen to share numbers (ETHTOOL_MSG_FEATURES_GET = ETHTOOL_MSG_FEATURES_GET_REPLY = 11).</summary>
public enum EthtoolCommand : byte
{
    /// <summary>ETHTOOL_MSG_FEATURES_GET (request) / ETHTOOL_MSG_FEATURES_GET_REPLY (reply)</summary>
    FeaturesGet = 11,
    /// <summary>ETHTOOL_MSG_FEATURES_SET (request) / ETHTOOL_MSG_FEATURES_SET_REPLY (reply)</summary>
    FeaturesSet = 12,
}

/// <summary>ETHTOOL_A_HEADER_*: the request/reply header nest every message carries.</summary>
public enum EthtoolHeaderAttribute : ushort
{
    DevIndex = 1,
    DevName = 2,
    Flags = 3,
}

/// <summary>ETHTOOL_FLAG_* in ETHTOOL_A_HEADER_FLAGS.</summary>
[Flags]
public enum EthtoolHeaderFlags : uint
{
    None = 0,
    /// <summary>ETHTOOL_FLAG_COMPACT_BITSETS: bitsets as u32 arrays, without names (we ask for names).</summary>
    CompactBitsets = 1 << 0,
    /// <summary>ETHTOOL_FLAG_OMIT_REPLY: no reply to a set request.</summary>
    OmitReply = 1 << 1,
}

/// <summary>ETHTOOL_A_FEATURES_*</summary>
public enum EthtoolFeaturesAttribute : ushort
{
    Header = 1,
    /// <summary>netdev hw_features: what the driver lets change.</summary>
    Hardware = 2,
    /// <summary>wanted_features: what the user asked for.</summary>
    Wanted = 3,
    /// <summary>features: what is on now.</summary>
    Active = 4,
    /// <summary>NETIF_F_NEVER_CHANGE and the like: fixed regardless of hw_features.</summary>
    NoChange = 5,
}

/// <summary>ETHTOOL_A_BITSET_*</summary>
public enum EthtoolBitsetAttribute : ushort
{
    /// <summary>Flag: the bitset is a list (no mask); listed bits are the set ones.</summary>
    NoMask = 1,
    Size = 2,
    /// <summary>Nest of ETHTOOL_A_BITSETS_BITS_BIT (verbose form).</summary>
    Bits = 3,
    /// <summary>u32 array (compact form).</summary>
    Value = 4,
    Mask = 5,
}

/// <summary>ETHTOOL_A_BITSET_BITS_BIT inside ETHTOOL_A_BITSET_BITS.</summary>
public static class EthtoolBitsetBits
{
    public const ushort Bit = 1;
}

/// <summary>ETHTOOL_A_BITSET_BIT_*</summary>
public enum EthtoolBitAttribute : ushort
{
    Index = 1,
    Name = 2,
    /// <summary>Flag: the bit is set (only meaningful when the bitset has a mask).</summary>
    Value = 3,
}
