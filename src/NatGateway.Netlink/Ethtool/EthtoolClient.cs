using NatGateway.Netlink.Generic;

namespace NatGateway.Netlink.Ethtool;

/// <summary>
/// The features part of ethtool netlink (net/ethtool/features.c) over a generic netlink socket of the calling thread's
/// network namespace: read features (one device, or a dump of all) and change one. The family id is resolved once per
/// client. Errors name the operation and the device ("ethtool features get eth0: netlink error ENODEV").
/// Not thread-safe: one request at a time.
/// </summary>
public sealed class EthtoolClient : IDisposable
{
    private readonly INetlinkSocket _socket;
    private ushort _family;

    public EthtoolClient() : this(NetlinkSocket.Open(NetlinkProtocol.Generic)) { }

    public EthtoolClient(INetlinkSocket socket) => _socket = socket;

    private ushort Family => _family != 0 ? _family : _family = GenericNetlink.ResolveFamily(_socket, EthtoolFamily.Name);

    /// <summary>`ethtool -k DEVICE`.</summary>
    public EthtoolFeatureSet GetFeatures(string device)
    {
        var writer = new AttributeWriter(128);
        var sequence = _socket.NextSequence();
        WriteFeaturesGet(writer, Family, sequence, device);
        var replies = NetlinkExchange.Run(_socket, writer.WrittenSpan, sequence, dump: false, $"ethtool features get {device}");
        return Features(replies).SingleOrDefault()
            ?? throw new NetlinkParseException($"ethtool features get {device}: no ETHTOOL_MSG_FEATURES_GET_REPLY");
    }

    /// <summary>Features of every device of the namespace (a dump: `ethtool -k` for each).</summary>
    public IReadOnlyList<EthtoolFeatureSet> DumpFeatures()
    {
        var family = Family;
        return Features(NetlinkExchange.RunDump(_socket, (w, sequence) => WriteFeaturesGet(w, family, sequence, device: null), "ethtool features dump")).ToList();
    }

    /// <summary>`ethtool -K DEVICE FEATURE on|off`. Returns the ETHTOOL_MSG_FEATURES_SET_REPLY if the kernel sent one:
    /// it does when the result differs from the request (WANTED: requested bits not applied; ACTIVE: bits that changed,
    /// ethnl_set_features); null when the request was applied exactly.</summary>
    public EthtoolFeatureSet? SetFeature(string device, string feature, bool enabled)
    {
        var writer = new AttributeWriter(256);
        var sequence = _socket.NextSequence();
        WriteFeaturesSet(writer, Family, sequence, device, feature, enabled);
        var replies = NetlinkExchange.Run(_socket, writer.WrittenSpan, sequence, dump: false, $"ethtool features set {device} {feature} {(enabled ? "on" : "off")}");
        return Features(replies).SingleOrDefault();
    }

    private static IEnumerable<EthtoolFeatureSet> Features(List<NetlinkReplyMessage> replies) =>
        replies.Where(r => r.Payload.Length >= GenericNetlink.HeaderSize && r.Payload[0] is (byte)EthtoolCommand.FeaturesGet or (byte)EthtoolCommand.FeaturesSet)
            .Select(r => EthtoolFeatureSet.Parse(r.Payload.AsSpan(GenericNetlink.HeaderSize)));

    /// <summary>ETHTOOL_MSG_FEATURES_GET with ETHTOOL_A_FEATURES_HEADER { ETHTOOL_A_HEADER_DEV_NAME }: `ethtool -k DEVICE`.
    /// A null device sends a dump (NLM_F_DUMP, no header: ethnl_default_start does not require a device) instead, which answers for every device.</summary>
    public static void WriteFeaturesGet(AttributeWriter writer, ushort family, uint sequence, string? device)
    {
        writer.BeginMessage(family, NetlinkMessageFlags.Request | (device is null ? NetlinkMessageFlags.Dump : NetlinkMessageFlags.Ack), sequence);
        GenericNetlink.WriteHeader(writer, (byte)EthtoolCommand.FeaturesGet, EthtoolFamily.Version);
        if (device is not null)
        {
            using (writer.Nested((ushort)EthtoolFeaturesAttribute.Header))
                writer.String((ushort)EthtoolHeaderAttribute.DevName, device);
        }
        writer.EndMessage();
    }

    /// <summary>ETHTOOL_MSG_FEATURES_SET with the header and ETHTOOL_A_FEATURES_WANTED = { FEATURE: on|off } (a masked
    /// verbose bitset: only that bit changes): `ethtool -K DEVICE lro off`.</summary>
    public static void WriteFeaturesSet(AttributeWriter writer, ushort family, uint sequence, string device, string feature, bool enabled)
    {
        writer.BeginMessage(family, NetlinkMessageFlags.Request | NetlinkMessageFlags.Ack, sequence);
        GenericNetlink.WriteHeader(writer, (byte)EthtoolCommand.FeaturesSet, EthtoolFamily.Version);
        using (writer.Nested((ushort)EthtoolFeaturesAttribute.Header))
        {
            writer.String((ushort)EthtoolHeaderAttribute.DevName, device);
        }
        EthtoolBitset.WriteChanges(writer, (ushort)EthtoolFeaturesAttribute.Wanted, [new(feature, enabled)]);
        writer.EndMessage();
    }

    public void Dispose() => _socket.Dispose();
}
