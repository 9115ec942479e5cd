using System.Globalization;
using System.Text.RegularExpressions;
using NatGateway.Capacity.Tests.Kernel;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Doctor;

/// <summary>
/// The lab's extra rules, in tables of their own beside natgw's (nothing in natgw's table is touched):
/// in the gateway, loopback is not tracked (the HTTP requests to natgw serve on 127.0.0.1 would otherwise add entries to
/// the table being measured) and UDP to <see cref="DropStream.Port"/> is counted and dropped in the forward hook (the
/// dropped stream of item 3); in the server, every UDP datagram is dropped at input, so the flood's datagrams get no
/// ICMP port-unreachable answer and each entry stays one unreplied SNAT'd flow. Unreplied UDP entries live 30 s by
/// default (nf_conntrack_udp_timeout), so the gateway's (a per-namespace sysctl) is raised to an hour.
/// </summary>
internal static partial class DoctorBenchLab
{
    private static readonly string GatewayRules = $$"""
        table inet ngwbench {
            chain raw_pre {
                type filter hook prerouting priority raw; policy accept;
                iif "lo" notrack
            }
            chain raw_out {
                type filter hook output priority raw; policy accept;
                oif "lo" notrack
            }
            chain drop_fwd {
                type filter hook forward priority filter - 10; policy accept;
                udp dport {{DropStream.Port}} counter drop
            }
        }
        """;

    private const string ServerSink = "table inet sink { chain input_sink { type filter hook input priority 0; udp dport 1-65535 drop; }; }";

    public static void Prepare(NamespaceLab lab)
    {
        lab.Sysctl(lab.Gateway, "net.ipv4.ip_forward", "1");
        lab.Sysctl(lab.Gateway, "net.netfilter.nf_conntrack_udp_timeout", "3600");
        lab.Sysctl(lab.Gateway, "net.netfilter.nf_conntrack_udp_timeout_stream", "3600");
        Nft(lab.Gateway, GatewayRules, "gateway bench rules");
        Nft(lab.Server, ServerSink, "server sink");
    }

    private static void Nft(string ns, string ruleset, string what) =>
        ProcessRunner.Run("ip", ["netns", "exec", ns, "nft", "-f", "-"], TimeSpan.FromSeconds(30), ruleset).EnsureSuccess(what);

    /// <summary>Packets the gateway's drop rule has dropped so far.</summary>
    public static long DroppedByRule(NamespaceLab lab)
    {
        var listing = lab.Exec(lab.Gateway, "nft", "list", "chain", "inet", "ngwbench", "drop_fwd").EnsureSuccess("nft list chain").StandardOutput;
        var match = CounterPackets().Match(listing);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException($"no counter in: {listing}");
    }

    [GeneratedRegex(@"counter packets (\d+)")]
    private static partial Regex CounterPackets();

    /// <summary>SNAT'd entries in the gateway's table (<c>conntrack -C -n</c>... counted from <c>conntrack -L -n</c>' summary line).</summary>
    public static long SourceNatEntries(NamespaceLab lab)
    {
        var result = lab.Exec(lab.Gateway, "conntrack", "-L", "-n");
        var match = FlowsShown().Match(result.StandardError);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }

    [GeneratedRegex(@"(\d+) flow entries have been shown")]
    private static partial Regex FlowsShown();

    /// <summary>Fills the gateway's table with <paramref name="entries"/> UDP flows from the client through the masquerade (real traffic).</summary>
    public static long Fill(NamespaceLab lab, int entries) => ConntrackFlood.Fill(lab, entries);
}
