using NatGateway.Conntrack.Kernel;
using NatGateway.Netlink;
using NatGateway.Netlink.Netfilter;

namespace NatGateway.Conntrack.Tests.NetlinkTest;

/// <summary>ctnetlink replies and events for the fake socket, built from the captured corpus
/// (<see cref="Unit.Corpus"/>) where the kernel's bytes exist, and with <see cref="AttributeWriter"/> for the
/// stats messages (ctnetlink_stat_ct_fill_info / ctnetlink_ct_stat_cpu_fill_info layouts).</summary>
public static class ConntrackReplies
{
    /// <summary>The captured dump messages (header included), as the kernel sent them.</summary>
    public static IEnumerable<byte[]> CorpusMessages(IEnumerable<string> hex) => hex.Select(Convert.FromHexString);

    /// <summary>The requested nfgenmsg family of a ctnetlink request.</summary>
    public static IPFamily Family(NetlinkMessage request) => (IPFamily)NetfilterHeader.Read(request.Data).Family;

    /// <summary>The ctnetlink message type of a request (GET, DELETE, GET_STATS ...).</summary>
    public static CtnetlinkMessage Type(NetlinkMessage request) => (CtnetlinkMessage)NetfilterMessageType.Message(request.Header.Type);

    /// <summary>IPCTNL_MSG_CT_GET_STATS reply: CTA_STATS_GLOBAL_ENTRIES and _MAX_ENTRIES (big-endian u32).</summary>
    public static byte[] GlobalStats(NetlinkMessage request, uint entries, uint max)
    {
        var w = new AttributeWriter();
        w.BeginNetfilterMessage(NetfilterSubsystem.Ctnetlink, (byte)CtnetlinkMessage.GetStats, NetlinkMessageFlags.None, request.Sequence, 0);
        w.UInt32BigEndian((ushort)CtStatsGlobalAttr.Entries, entries);
        w.UInt32BigEndian((ushort)CtStatsGlobalAttr.MaxEntries, max);
        w.EndMessage();
        return Addressed(w);
    }

    /// <summary>One IPCTNL_MSG_CT_GET_STATS_CPU dump message: nfgenmsg res_id is the CPU, then the counters.</summary>
    public static byte[] CpuStats(NetlinkMessage request, ushort cpu, uint found, uint insertFailed, uint drop, uint clashResolve)
    {
        var w = new AttributeWriter();
        w.BeginNetfilterMessage(NetfilterSubsystem.Ctnetlink, (byte)CtnetlinkMessage.GetStatsCpu, NetlinkMessageFlags.Multi,
            request.Sequence, 0, resourceId: cpu);
        w.UInt32BigEndian((ushort)CtStatsCpuAttr.Found, found);
        w.UInt32BigEndian((ushort)CtStatsCpuAttr.InsertFailed, insertFailed);
        w.UInt32BigEndian((ushort)CtStatsCpuAttr.Drop, drop);
        w.UInt32BigEndian((ushort)CtStatsCpuAttr.ClashResolve, clashResolve);
        w.EndMessage();
        return Addressed(w);
    }

    /// <summary>A captured entry as a multicast event (sequence 0, port 0): IPCTNL_MSG_CT_NEW with
    /// NLM_F_CREATE|NLM_F_EXCL for a new entry, without for an update, IPCTNL_MSG_CT_DELETE for a destroy
    /// (ctnetlink_conntrack_event).</summary>
    public static byte[] Event(string capturedHex, FlowEventType type)
    {
        var captured = Convert.FromHexString(capturedHex);
        var (message, flags) = type switch
        {
            FlowEventType.New => (CtnetlinkMessage.New, NetlinkMessageFlags.Create | NetlinkMessageFlags.Excl),
            FlowEventType.Update => (CtnetlinkMessage.New, NetlinkMessageFlags.None),
            _ => (CtnetlinkMessage.Delete, NetlinkMessageFlags.None),
        };
        var header = NetlinkMessageHeader.Read(captured);
        return NetlinkReplies.Message(NetfilterMessageType.Compose(NetfilterSubsystem.Ctnetlink, (byte)message), flags, 0,
            captured.AsSpan(NetlinkMessageHeader.Size, (int)header.Length - NetlinkMessageHeader.Size), portId: 0);
    }

    private static byte[] Addressed(AttributeWriter w)
    {
        var bytes = w.WrittenSpan.ToArray();
        var header = NetlinkMessageHeader.Read(bytes);
        (header with { PortId = FakeNetlinkSocket.DefaultPortId }).Write(bytes);
        return bytes;
    }
}
