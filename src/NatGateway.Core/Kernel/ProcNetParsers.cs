using System.Globalization;
using System.Net;

namespace NatGateway.Core.Kernel;

/// <summary>Pure parsers for the /proc/net text files; tested from sample text.</summary>
public static class ProcNetParsers
{
    /// <summary>Parses /proc/net/dev: "  eth0: rxbytes rxpackets errs drop fifo frame compressed multicast txbytes txpackets errs drop ...".</summary>
    public static Dictionary<string, InterfaceCounters> ParseNetDev(string text)
    {
        var result = new Dictionary<string, InterfaceCounters>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon < 0 || line.Contains('|')) continue;
            var name = line[..colon].Trim();
            var f = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 16) continue;
            ulong U(int i) => ulong.Parse(f[i], CultureInfo.InvariantCulture);
            result[name] = new InterfaceCounters(RxBytes: U(0), RxPackets: U(1), TxBytes: U(8), TxPackets: U(9), RxDropped: U(3), TxDropped: U(11))
            {
                RxErrors = U(2),
                TxErrors = U(10),
            };
        }
        return result;
    }

    /// <summary>Parses /proc/net/route (IPv4; addresses are little-endian hex as the kernel prints them).</summary>
    public static List<RouteInfo> ParseIpv4Routes(string text)
    {
        var routes = new List<RouteInfo>();
        foreach (var line in text.Split('\n').Skip(1))
        {
            var f = line.Split(new[] { '\t', ' ' }, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 8) continue;
            var dest = new IPAddress(uint.Parse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            var gateway = uint.Parse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var mask = uint.Parse(f[7], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            routes.Add(new RouteInfo(dest.ToString(), System.Numerics.BitOperations.PopCount(mask),
                gateway == 0 ? null : new IPAddress(gateway).ToString(), f[0]));
        }
        return routes;
    }

    /// <summary>Parses /proc/net/ipv6_route: dest(32 hex) plen src srcplen nexthop metric ref use flags dev.</summary>
    public static List<RouteInfo> ParseIpv6Routes(string text)
    {
        var routes = new List<RouteInfo>();
        foreach (var line in text.Split('\n'))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 10) continue;
            var dev = f[9];
            if (dev == "lo") continue; // local and unreachable entries live on lo
            var plen = int.Parse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var hop = Hex6(f[4]);
            routes.Add(new RouteInfo(Hex6(f[0]).ToString(), plen, hop.Equals(IPAddress.IPv6Any) ? null : hop.ToString(), dev));
        }
        return routes;
    }

    private static IPAddress Hex6(string hex) => new(Convert.FromHexString(hex));
}
