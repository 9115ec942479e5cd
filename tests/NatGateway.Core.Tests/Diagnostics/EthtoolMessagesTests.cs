using NatGateway.Core.Kernel;
using NatGateway.Core.Kernel.Diagnostics;
using NatGateway.Netlink;
using NatGateway.Netlink.Ethtool;
using NatGateway.Netlink.Generic;
using Xunit;

namespace NatGateway.Core.Tests.Diagnostics;

/// <summary>Golden bytes of the ethtool netlink requests (family id 0x14 stands in for the id the controller hands out),
/// and the verbose bitsets of a reply.</summary>
public sealed class EthtoolMessagesTests
{
    private const ushort Family = 0x14;

    private static string Hex(AttributeWriter w) => Convert.ToHexString(w.WrittenSpan).ToLowerInvariant();

    [Fact]
    public void Resolving_the_family_is_ctrl_getfamily_by_name()
    {
        // genl ctrl get name ethtool
        var w = new AttributeWriter();
        GenericNetlink.WriteGetFamily(w, 1, "ethtool");
        Assert.Equal(
            "20000000" + "1000" + "0500" + "01000000" + "00000000" + // nlmsghdr: len 32, GENL_ID_CTRL, REQUEST|ACK, seq 1
            "03010000" +                                            // genlmsghdr: CTRL_CMD_GETFAMILY, version 1
            "0c000200" + "657468746f6f6c00",                        // CTRL_ATTR_FAMILY_NAME "ethtool\0"
            Hex(w));
    }

    [Fact]
    public void Features_get_is_ethtool_k()
    {
        // ethtool -k eth0
        var w = new AttributeWriter();
        EthtoolClient.WriteFeaturesGet(w, Family, 1, "eth0");
        Assert.Equal(
            "24000000" + "1400" + "0500" + "01000000" + "00000000" + // nlmsghdr: len 36, family, REQUEST|ACK, seq 1
            "0b010000" +                                            // ETHTOOL_MSG_FEATURES_GET, version 1
            "10000180" +                                            //   ETHTOOL_A_FEATURES_HEADER (nested)
            "09000200" + "6574683000000000",                        //     ETHTOOL_A_HEADER_DEV_NAME "eth0\0" + pad
            Hex(w));
    }

    [Fact]
    public void Features_set_is_ethtool_capital_k_lro_off()
    {
        // ethtool -K eth0 lro off
        var w = new AttributeWriter();
        EthtoolClient.WriteFeaturesSet(w, Family, 2, "eth0", "large-receive-offload", enabled: false);
        Assert.Equal(
            "4c000000" + "1400" + "0500" + "02000000" + "00000000" + // nlmsghdr: len 76
            "0c010000" +                                            // ETHTOOL_MSG_FEATURES_SET, version 1
            "10000180" + "09000200" + "6574683000000000" +          //   header { DEV_NAME "eth0" }
            "28000380" +                                            //   ETHTOOL_A_FEATURES_WANTED (nested bitset, with mask)
            "24000380" +                                            //     ETHTOOL_A_BITSET_BITS
            "20000180" +                                            //       ETHTOOL_A_BITSET_BITS_BIT
            "1a000200" + Convert.ToHexString("large-receive-offload\0"u8).ToLowerInvariant() + "0000", // NAME; no VALUE flag: off
            Hex(w));

        // ethtool -K eth0 lro on: the same plus ETHTOOL_A_BITSET_BIT_VALUE (a flag) in the bit
        var on = new AttributeWriter();
        EthtoolClient.WriteFeaturesSet(on, Family, 2, "eth0", "large-receive-offload", enabled: true);
        Assert.EndsWith("0000" + "04000300", Hex(on));
        Assert.Equal(80, on.Length);
    }

    /// <summary>A FEATURES_GET_REPLY as net/ethtool/features.c builds it: four list-form (NOMASK) verbose bitsets.</summary>
    private static byte[] Reply(string device, string[] hw, string[] active, string[] nochange)
    {
        var w = new AttributeWriter();
        using (w.Nested((ushort)EthtoolFeaturesAttribute.Header))
        {
            w.UInt32((ushort)EthtoolHeaderAttribute.DevIndex, 7);
            w.String((ushort)EthtoolHeaderAttribute.DevName, device);
        }
        void Set(EthtoolFeaturesAttribute type, string[] names)
        {
            using (w.Nested((ushort)type))
            {
                w.Flag((ushort)EthtoolBitsetAttribute.NoMask);
                w.UInt32((ushort)EthtoolBitsetAttribute.Size, 64);
                using (w.Nested((ushort)EthtoolBitsetAttribute.Bits))
                    for (var i = 0; i < names.Length; i++)
                        using (w.Nested(EthtoolBitsetBits.Bit))
                        {
                            w.UInt32((ushort)EthtoolBitAttribute.Index, (uint)i);
                            w.String((ushort)EthtoolBitAttribute.Name, names[i]);
                        }
            }
        }
        Set(EthtoolFeaturesAttribute.Hardware, hw);
        Set(EthtoolFeaturesAttribute.Wanted, active);
        Set(EthtoolFeaturesAttribute.Active, active);
        Set(EthtoolFeaturesAttribute.NoChange, nochange);
        return w.WrittenSpan.ToArray();
    }

    [Fact]
    public void Lro_active_and_changeable_come_from_active_hw_and_nochange()
    {
        var changeable = EthtoolFeatureSet.Parse(Reply("eth0", ["rx-checksum", "large-receive-offload"], ["large-receive-offload"], []));
        Assert.Equal(7, changeable.DeviceIndex);
        Assert.Equal(new InterfaceOffloads("eth0", LroActive: true, LroChangeable: true), Offloads.From(changeable));

        // veth-like: not in hw_features → fixed ("large-receive-offload: off [fixed]")
        Assert.Equal(new InterfaceOffloads("veth0", false, false), Offloads.From(EthtoolFeatureSet.Parse(Reply("veth0", ["rx-checksum"], [], []))));

        // in hw_features but never-change (NETIF_F_NEVER_CHANGE) → fixed too
        Assert.False(Offloads.From(EthtoolFeatureSet.Parse(Reply("x", ["large-receive-offload"], [], ["large-receive-offload"]))).LroChangeable);
    }

    [Fact]
    public void A_masked_bitset_counts_only_bits_with_the_value_flag()
    {
        var w = new AttributeWriter();
        using (w.Nested(1))
        using (w.Nested((ushort)EthtoolBitsetAttribute.Bits))
        {
            using (w.Nested(EthtoolBitsetBits.Bit)) { w.String((ushort)EthtoolBitAttribute.Name, "a"); w.Flag((ushort)EthtoolBitAttribute.Value); }
            using (w.Nested(EthtoolBitsetBits.Bit)) { w.String((ushort)EthtoolBitAttribute.Name, "b"); }
        }
        var outer = new AttributeReader(w.WrittenSpan);
        Assert.True(outer.Next());
        Assert.Equal(["a"], EthtoolBitset.ReadSetBits(outer.Data));
    }

    [Fact]
    public void A_compact_bitset_is_refused_because_names_were_asked_for()
    {
        var w = new AttributeWriter();
        w.UInt32((ushort)EthtoolBitsetAttribute.Size, 32);
        w.UInt32((ushort)EthtoolBitsetAttribute.Value, 0x8000);
        Assert.Throws<NetlinkParseException>(() => EthtoolBitset.ReadSetBits(w.WrittenSpan));
    }
}
