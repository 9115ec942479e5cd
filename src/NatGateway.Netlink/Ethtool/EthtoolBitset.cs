namespace NatGateway.Netlink.Ethtool;

/// <summary>
/// Ethtool's verbose bitsets (net/ethtool/bitset.c, ethnl_put_bitset32 / ethnl_update_bitset): a nest with
/// ETHTOOL_A_BITSET_BITS holding one ETHTOOL_A_BITSET_BITS_BIT per bit (index, name, value flag). In list form
/// (ETHTOOL_A_BITSET_NOMASK) only set bits are listed; otherwise each listed bit is in the mask and the VALUE flag says
/// whether it is set. We always ask for names (no ETHTOOL_FLAG_COMPACT_BITSETS), so a compact answer is a parse error.
/// </summary>
public static class EthtoolBitset
{
    /// <summary>The names of the set bits of a verbose bitset (an unnamed bit is "bit N").</summary>
    public static HashSet<string> ReadSetBits(ReadOnlySpan<byte> nest)
    {
        var listForm = false;
        var named = new List<(string Name, bool Value)>();
        var reader = new AttributeReader(nest);
        while (reader.Next())
        {
            switch ((EthtoolBitsetAttribute)reader.Type)
            {
                case EthtoolBitsetAttribute.NoMask:
                    listForm = true;
                    break;
                case EthtoolBitsetAttribute.Value or EthtoolBitsetAttribute.Mask:
                    throw new NetlinkParseException("ethtool bitset: compact form received, verbose (named) form expected");
                case EthtoolBitsetAttribute.Bits:
                    var bits = reader.Nested();
                    while (bits.Next())
                    {
                        if (bits.Type != EthtoolBitsetBits.Bit) continue;
                        named.Add(ReadBit(bits.Data));
                    }
                    if (bits.Error is not null) throw new NetlinkParseException($"ethtool bitset bits: {bits.Error}");
                    break;
            }
        }
        if (reader.Error is not null) throw new NetlinkParseException($"ethtool bitset: {reader.Error}");
        return named.Where(b => listForm || b.Value).Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
    }

    private static (string Name, bool Value) ReadBit(ReadOnlySpan<byte> nest)
    {
        uint? index = null;
        string? name = null;
        var value = false;
        var bit = new AttributeReader(nest);
        while (bit.Next())
        {
            switch ((EthtoolBitAttribute)bit.Type)
            {
                case EthtoolBitAttribute.Index: index = bit.UInt32(); break;
                case EthtoolBitAttribute.Name: name = bit.String(); break;
                case EthtoolBitAttribute.Value: value = true; break;
            }
        }
        if (bit.Error is not null) throw new NetlinkParseException($"ethtool bitset bit: {bit.Error}");
        return (name ?? $"bit {index}", value);
    }

    /// <summary>A verbose bitset with a mask that changes only the named bits: each listed bit is in the mask, its VALUE
    /// flag sets it (what `ethtool -K IF lro off` sends in ETHTOOL_A_FEATURES_WANTED).</summary>
    public static void WriteChanges(AttributeWriter writer, ushort type, IEnumerable<KeyValuePair<string, bool>> changes)
    {
        using (writer.Nested(type))
        using (writer.Nested((ushort)EthtoolBitsetAttribute.Bits))
        {
            foreach (var (name, on) in changes)
            {
                using (writer.Nested(EthtoolBitsetBits.Bit))
                {
                    writer.String((ushort)EthtoolBitAttribute.Name, name);
                    if (on) writer.Flag((ushort)EthtoolBitAttribute.Value);
                }
            }
        }
    }
}
