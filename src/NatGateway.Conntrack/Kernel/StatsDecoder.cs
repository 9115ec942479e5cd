using NatGateway.Netlink;
using NatGateway.Netlink.Netfilter;

namespace NatGateway.Conntrack.Kernel;

/// <summary>Parses IPCTNL_MSG_CT_GET_STATS_CPU replies: nfgenmsg res_id is the CPU number.</summary>
public static class StatsDecoder
{
    public static CpuStats DecodeCpu(ReadOnlySpan<byte> payload)
    {
        var header = NetfilterHeader.Read(payload);
        uint found = 0, invalid = 0, insert = 0, insertFailed = 0, drop = 0, earlyDrop = 0, error = 0, restart = 0, clash = 0, chain = 0;
        var a = new AttributeReader(payload[NetfilterHeader.Size..]);
        while (a.Next())
        {
            switch ((CtStatsCpuAttr)a.Type)
            {
                case CtStatsCpuAttr.Found: found = a.UInt32BigEndian(); break;
                case CtStatsCpuAttr.Invalid: invalid = a.UInt32BigEndian(); break;
                case CtStatsCpuAttr.Insert: insert = a.UInt32BigEndian(); break;
                case CtStatsCpuAttr.InsertFailed: insertFailed = a.UInt32BigEndian(); break;
                case CtStatsCpuAttr.Drop: drop = a.UInt32BigEndian(); break;
                case CtStatsCpuAttr.EarlyDrop: earlyDrop = a.UInt32BigEndian(); break;
                case CtStatsCpuAttr.Error: error = a.UInt32BigEndian(); break;
                case CtStatsCpuAttr.SearchRestart: restart = a.UInt32BigEndian(); break;
                case CtStatsCpuAttr.ClashResolve: clash = a.UInt32BigEndian(); break;
                case CtStatsCpuAttr.ChainTooLong: chain = a.UInt32BigEndian(); break;
            }
        }
        if (a.Error is not null) throw new NetlinkParseException("conntrack cpu stats: " + a.Error);
        return new CpuStats(header.ResourceId, found, invalid, insert, insertFailed, drop, earlyDrop, error, restart, clash, chain);
    }
}
