using System.Buffers.Binary;
using System.Net;

namespace NatGateway.Netlink.Route;

/// <summary>
/// One policy routing rule of an RTM_GETRULE dump (`ip rule show`): struct fib_rule_hdr { u8 family, dst_len, src_len,
/// tos, table, res1, res2, action; u32 flags; } then FRA_* attributes (net/core/fib_rules.c fib_nl_fill_rule).
/// </summary>
public sealed record RouteRule(byte Family, uint Priority, uint Table, RuleAction Action, bool Inverted,
    IPAddress? Source, int SourceLength, IPAddress? Destination, int DestinationLength,
    string? InputInterface, string? OutputInterface, uint? FirewallMark, uint? FirewallMask)
{
    /// <summary>sizeof(struct fib_rule_hdr)</summary>
    public const int HeaderSize = 12;

    /// <summary>FIB_RULE_INVERT: `ip rule add not ...`</summary>
    public const uint InvertFlag = 0x2;

    /// <summary>RTM_GETRULE with NLM_F_DUMP for one family (AF_UNSPEC: every family with rules, including the multicast
    /// routing ones): `ip rule show` / `ip -6 rule show`.</summary>
    public static void WriteDumpRequest(AttributeWriter writer, uint sequence, byte family)
    {
        writer.BeginMessage((ushort)RouteMessageType.GetRule, NetlinkMessageFlags.Request | NetlinkMessageFlags.Dump, sequence);
        Span<byte> header = stackalloc byte[HeaderSize];
        header[0] = family;
        writer.WriteRaw(header);
        writer.EndMessage();
    }

    /// <summary>Parses an RTM_NEWRULE payload. Priority is 0 when FRA_PRIORITY is absent (the kernel omits a zero
    /// pref); the table is FRA_TABLE when present (tables above 255), else the header's.</summary>
    public static RouteRule Parse(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < HeaderSize) throw new NetlinkParseException($"RTM_NEWRULE: {payload.Length} bytes, fib_rule_hdr needs {HeaderSize}");
        var family = payload[0];
        int dstLength = payload[1], srcLength = payload[2];
        uint table = payload[4];
        var action = (RuleAction)payload[7];
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        uint priority = 0;
        IPAddress? source = null, destination = null;
        string? iif = null, oif = null;
        uint? mark = null, mask = null;
        var reader = new AttributeReader(payload[HeaderSize..]);
        while (reader.Next())
        {
            switch ((RuleAttribute)reader.Type)
            {
                case RuleAttribute.Priority: priority = reader.UInt32(); break;
                case RuleAttribute.Table: table = reader.UInt32(); break;
                case RuleAttribute.Source: source = Address(reader.Data); break;
                case RuleAttribute.Destination: destination = Address(reader.Data); break;
                case RuleAttribute.InputInterface: iif = reader.String(); break;
                case RuleAttribute.OutputInterface: oif = reader.String(); break;
                case RuleAttribute.FirewallMark: mark = reader.UInt32(); break;
                case RuleAttribute.FirewallMask: mask = reader.UInt32(); break;
            }
        }
        if (reader.Error is not null) throw new NetlinkParseException($"RTM_NEWRULE: {reader.Error}");
        return new RouteRule(family, priority, table, action, (flags & InvertFlag) != 0, source, srcLength, destination, dstLength, iif, oif, mark, mask);
    }

    private static IPAddress? Address(ReadOnlySpan<byte> data) => data.Length is 4 or 16 ? new IPAddress(data) : null;
}
