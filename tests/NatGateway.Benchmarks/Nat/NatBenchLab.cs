using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using NatGateway.Nftables;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Nat;

/// <summary>
/// A NamespaceLab set up for the NAT benchmark: forwarding on in the gateway, a libnftables context in the gateway
/// namespace, and on the server a named counter that counts and drops every UDP packet at the earliest hook
/// (no socket per port, no ICMP port-unreachable back). Everything lives in the lab's namespaces and is deleted on Dispose.
/// </summary>
internal sealed partial class NatBenchLab : IDisposable
{
    /// <summary>
    /// The server's sink: <c>table ip natbench_sink</c>, read and zeroed with <c>nft reset counter ip natbench_sink received</c>.
    /// </summary>
    private const string ServerSink = """
        table ip natbench_sink {
            counter received { }
            chain pre {
                type filter hook prerouting priority raw; policy accept;
                ip daddr 10.77.2.2 meta l4proto udp counter name "received" drop
            }
        }
        """;

    public NamespaceLab Lab { get; }
    public LibNftablesBackend Backend { get; }

    public NatBenchLab()
    {
        Lab = NamespaceLab.Create(serverRoutesViaGateway: true);
        try
        {
            Lab.Sysctl(Lab.Gateway, "net.ipv4.ip_forward", "1");
            ProcessRunner.Run("ip", ["netns", "exec", Lab.Server, "nft", "-f", "-"], TimeSpan.FromSeconds(20), ServerSink).EnsureSuccess("nft server sink");
            // ARP for the gateway (client side) and the server (gateway side) resolved before anything is timed.
            if (!Lab.Pings(Lab.Client, NamespaceLab.GatewayLanAddress) || !Lab.Pings(Lab.Gateway, NamespaceLab.ServerAddress))
                throw new InvalidOperationException("lab path client→gateway→server is down");
            Backend = Lab.RunIn(Lab.Gateway, () => new LibNftablesBackend());
        }
        catch
        {
            Lab.Dispose();
            throw;
        }
    }

    /// <summary>An engine on the gateway's libnftables context; maps for plain forwards or one rule per forward.</summary>
    public NftablesNatEngine Engine(bool maps) => new(Backend, new NatCompileOptions { UseMapsForPlainForwards = maps });

    /// <summary>
    /// Unreplied UDP entries expire after 1 s in the gateway (per-namespace sysctl; the global nf_conntrack_max stays
    /// as it is): a burst of new flows then never fills the table. Needs conntrack active in the gateway (after a NAT apply).
    /// </summary>
    public void ShortenUdpTimeout() => Lab.Sysctl(Lab.Gateway, "net.netfilter.nf_conntrack_udp_timeout", "1");

    /// <summary><c>conntrack -F</c> in the gateway.</summary>
    public void FlushConntrack() => Lab.Exec(Lab.Gateway, "conntrack", "-F");

    /// <summary>Entries in the gateway's table (<c>conntrack -C</c>).</summary>
    public long ConntrackCount() =>
        long.Parse(Lab.Exec(Lab.Gateway, "conntrack", "-C").EnsureSuccess("conntrack -C").StandardOutput.Trim(), CultureInfo.InvariantCulture);

    /// <summary>Sum over CPUs of drop + early_drop + insert_failed from <c>conntrack -S</c> in the gateway: flows lost to a full table.</summary>
    public long ConntrackLosses()
    {
        var text = Lab.Exec(Lab.Gateway, "conntrack", "-S").EnsureSuccess("conntrack -S").StandardOutput;
        return LossCounter().Matches(text).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"\b(?:drop|early_drop|insert_failed)=(\d+)")]
    private static partial Regex LossCounter();

    /// <summary>Packets that reached the server since the last call (<c>nft -j reset counter ip natbench_sink received</c>).</summary>
    public long TakeServerReceived()
    {
        var json = Lab.Exec(Lab.Server, "nft", "-j", "reset", "counter", "ip", "natbench_sink", "received").EnsureSuccess("nft reset counter").StandardOutput;
        using var document = JsonDocument.Parse(json);
        foreach (var item in document.RootElement.GetProperty("nftables").EnumerateArray())
            if (item.TryGetProperty("counter", out var counter))
                return counter.GetProperty("packets").GetInt64();
        throw new InvalidOperationException("no counter in: " + json);
    }

    public void Dispose()
    {
        Backend?.Dispose();
        Lab.Dispose();
    }
}
