using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.TestSupport;

namespace NatGateway.Nat.Tests;

/// <summary>
/// A NamespaceLab with forwarding on, an engine whose libnftables context lives in the gateway namespace,
/// extra addresses (SNAT pool 10.77.2.10-12 on wan0, second client 10.77.1.3, second inside host 10.77.2.3 and the four
/// 1:1-mapped hosts 10.77.2.4-7 on the server)
/// and a foreign table that must survive every apply. Shared by the tests of one class (they run one after another).
/// </summary>
public sealed class GatewayLab : IDisposable
{
    public const string SecondClientAddress = "10.77.1.3";
    public const string SecondInsideAddress = "10.77.2.3";
    public static readonly string[] SnatPool = ["10.77.2.10", "10.77.2.11", "10.77.2.12"];
    /// <summary>Four inside hosts on the server (10.77.2.4/30) for 1:1 NAT onto <see cref="MappedOutsidePrefix"/>.</summary>
    public static readonly string[] MappedInsideHosts = ["10.77.2.4", "10.77.2.5", "10.77.2.6", "10.77.2.7"];
    public const string MappedInsidePrefix = "10.77.2.4/30";
    /// <summary>Not on any link: the client reaches it through its default route, the gateway.</summary>
    public const string MappedOutsidePrefix = "10.77.9.4/30";

    public NamespaceLab Lab { get; }
    public LibNftablesBackend Backend { get; }
    public NftablesNatEngine Engine { get; }

    /// <summary>A foreign table: pre-sets ct mark bit 0x5 (outside our mask) and counts; must never be touched.</summary>
    public const string ForeignTable = """
        table inet foreign {
            chain pre {
                type filter hook prerouting priority mangle; policy accept;
                meta l4proto tcp ct state new ct mark set ct mark | 0x00000005 counter
            }
        }
        """;

    public GatewayLab()
    {
        Lab = NamespaceLab.Create(serverRoutesViaGateway: true);
        try
        {
            Lab.Sysctl(Lab.Gateway, "net.ipv4.ip_forward", "1");
            Lab.Sysctl(Lab.Gateway, "net.ipv6.conf.all.forwarding", "1");
            foreach (var address in SnatPool)
                Lab.Exec(Lab.Gateway, "ip", "addr", "add", address + "/24", "dev", NamespaceLab.GatewayWanInterface).EnsureSuccess("pool address");
            Lab.Exec(Lab.Client, "ip", "addr", "add", SecondClientAddress + "/24", "dev", "eth0").EnsureSuccess("second client");
            Lab.Exec(Lab.Server, "ip", "addr", "add", SecondInsideAddress + "/24", "dev", "eth0").EnsureSuccess("second inside host");
            foreach (var address in MappedInsideHosts)
                Lab.Exec(Lab.Server, "ip", "addr", "add", address + "/24", "dev", "eth0").EnsureSuccess("mapped inside host");
            Nft(ForeignTable);
            // Resolve neighbours once (IPv6 ND after the forwarding switch can take a second): tests then measure NAT, not ND.
            WaitForPing(Lab.Client, NamespaceLab.GatewayLanAddress6);
            WaitForPing(Lab.Server, NamespaceLab.GatewayWanAddress6);
            WaitForPing(Lab.Gateway, NamespaceLab.ServerAddress6);
            WaitForPing(Lab.Gateway, NamespaceLab.ClientAddress6);
            Backend = Lab.RunIn(Lab.Gateway, () => new LibNftablesBackend());
            Engine = new NftablesNatEngine(Backend);
        }
        catch
        {
            Lab.Dispose();
            throw;
        }
    }

    private void WaitForPing(string ns, string address)
    {
        for (var attempt = 0; attempt < 10; attempt++)
            if (Lab.Pings(ns, address)) return;
        throw new InvalidOperationException($"{address} does not answer pings from {ns}");
    }

    /// <summary>Runs an nft script in the gateway with the nft CLI (a different code path from ours).</summary>
    public string Nft(string script, params string[] args) =>
        ProcessRunner.Run("ip", ["netns", "exec", Lab.Gateway, "nft", .. args, "-f", "-"], stdin: script).EnsureSuccess("nft -f").StandardOutput;

    public string NftCli(params string[] args) =>
        Lab.Exec(Lab.Gateway, "nft", args).EnsureSuccess("nft " + string.Join(' ', args)).StandardOutput;

    public CompiledRuleset Apply(params NatRule[] rules)
    {
        var compiled = Engine.CompileOnly(rules);
        Engine.Apply(compiled);
        return compiled;
    }

    public void Dispose()
    {
        Backend?.Dispose();
        Lab.Dispose();
    }
}
