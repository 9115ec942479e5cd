namespace NatGateway.Netlink.Ethtool;

/// <summary>
/// One device's netdev features as ETHTOOL_MSG_FEATURES_GET_REPLY gives them (what `ethtool -k IF` prints), by the
/// kernel's feature names (netdev_features_strings, e.g. "large-receive-offload").
/// </summary>
public sealed record EthtoolFeatureSet(int DeviceIndex, string DeviceName, IReadOnlySet<string> Hardware, IReadOnlySet<string> Wanted,
    IReadOnlySet<string> Active, IReadOnlySet<string> NoChange)
{
    /// <summary>netdev_features_strings[NETIF_F_LRO_BIT]</summary>
    public const string LargeReceiveOffload = "large-receive-offload";

    public bool IsActive(string feature) => Active.Contains(feature);

    /// <summary>What `ethtool -k` prints without "[fixed]": in hw_features and not in the never-change set
    /// (ethtool's features.c: fixed = !hw || nochange).</summary>
    public bool IsChangeable(string feature) => Hardware.Contains(feature) && !NoChange.Contains(feature);

    /// <summary>Parses an ETHTOOL_MSG_FEATURES_GET_REPLY payload (after the genlmsghdr).</summary>
    public static EthtoolFeatureSet Parse(ReadOnlySpan<byte> attributes)
    {
        int index = 0;
        string name = "";
        IReadOnlySet<string> hw = Empty, wanted = Empty, active = Empty, nochange = Empty;
        var reader = new AttributeReader(attributes);
        while (reader.Next())
        {
            switch ((EthtoolFeaturesAttribute)reader.Type)
            {
                case EthtoolFeaturesAttribute.Header:
                    var header = reader.Nested();
                    while (header.Next())
                    {
                        if (header.Type == (ushort)EthtoolHeaderAttribute.DevIndex) index = (int)header.UInt32();
                        else if (header.Type == (ushort)EthtoolHeaderAttribute.DevName) name = header.String();
                    }
                    if (header.Error is not null) throw new NetlinkParseException($"ethtool header: {header.Error}");
                    break;
                case EthtoolFeaturesAttribute.Hardware: hw = EthtoolBitset.ReadSetBits(reader.Data); break;
                case EthtoolFeaturesAttribute.Wanted: wanted = EthtoolBitset.ReadSetBits(reader.Data); break;
                case EthtoolFeaturesAttribute.Active: active = EthtoolBitset.ReadSetBits(reader.Data); break;
                case EthtoolFeaturesAttribute.NoChange: nochange = EthtoolBitset.ReadSetBits(reader.Data); break;
            }
        }
        if (reader.Error is not null) throw new NetlinkParseException($"ethtool features: {reader.Error}");
        return new EthtoolFeatureSet(index, name, hw, wanted, active, nochange);
    }

    private static readonly IReadOnlySet<string> Empty = new HashSet<string>();
}
