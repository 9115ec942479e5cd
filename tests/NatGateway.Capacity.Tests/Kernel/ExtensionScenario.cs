using NatGateway.Capacity.Model;
using NatGateway.Capacity.Planning;
using NatGateway.TestSupport;

namespace NatGateway.Capacity.Tests.Kernel;

/// <summary>
/// A set of enabled conntrack extensions and how to make the lab gateway give every new entry exactly that set.
/// Shared by the verification test and the capacity benchmark (linked there), so both measure the same thing.
/// </summary>
public sealed record ExtensionScenario(string Name, string Label, Func<NamespaceLab, CapacityPlanRequest> Setup)
{
    /// <summary>
    /// Configures the lab gateway. Since Linux 6.3 "is there a ctnetlink event listener" is tracked host-wide: with
    /// nf_conntrack_events=2 any listener anywhere (natgw's mirror, conntrack -E in another namespace) gives every new
    /// entry the event extension. 0 first makes the scenarios without events independent of what else runs on the host.
    /// </summary>
    public CapacityPlanRequest Configure(NamespaceLab lab)
    {
        lab.Sysctl(lab.Gateway, "net.netfilter.nf_conntrack_events", "0");
        return Setup(lab);
    }

    public override string ToString() => Name;

    private const string Stateful = """
          chain forward_state {
            type filter hook forward priority 0
            ct state new counter
          }
        """;

    /// <summary>Stateful forwarding only: no extension area (ct->ext stays NULL).</summary>
    public static ExtensionScenario PlainUdp { get; } = new("plain", "plain UDP", lab =>
    {
        Nft(lab, lab.Gateway, $"table inet cap {{\n{Stateful}\n}}");
        return new CapacityPlanRequest();
    });

    /// <summary>Masquerade (NAT extension) with nf_conntrack_acct=1.</summary>
    public static ExtensionScenario MasqueradeWithAccounting { get; } = new("masquerade-acct", "masquerade + acct", lab =>
    {
        lab.Sysctl(lab.Gateway, "net.netfilter.nf_conntrack_acct", "1");
        Nft(lab, lab.Gateway, $$"""
            table inet cap {
            {{Stateful}}
              chain postrouting_nat {
                type nat hook postrouting priority srcnat
                oifname "{{NamespaceLab.GatewayWanInterface}}" masquerade
              }
            }
            """);
        return new CapacityPlanRequest { Masquerade = true };
    });

    /// <summary>acct + tstamp + events=1 + a tftp helper: the extension area crosses into kmalloc-192.</summary>
    public static ExtensionScenario HelperAccountingTimestampEvents { get; } = new("helper-acct-tstamp-events", "helper+acct+tstamp+events", lab =>
    {
        lab.Sysctl(lab.Gateway, "net.netfilter.nf_conntrack_acct", "1");
        lab.Sysctl(lab.Gateway, "net.netfilter.nf_conntrack_timestamp", "1");
        lab.Sysctl(lab.Gateway, "net.netfilter.nf_conntrack_events", "1");
        Nft(lab, lab.Gateway, """
            table inet cap {
              ct helper tftp-h {
                type "tftp" protocol udp
                l3proto ip
              }
              chain forward_state {
                type filter hook forward priority 0
                ct state new ct helper set "tftp-h"
              }
            }
            """);
        return new CapacityPlanRequest { Extensions = ConntrackExtensions.Acct | ConntrackExtensions.Tstamp | ConntrackExtensions.Ecache | ConntrackExtensions.Helper };
    });

    public static IReadOnlyList<ExtensionScenario> All { get; } = [PlainUdp, MasqueradeWithAccounting, HelperAccountingTimestampEvents];

    /// <summary>The target: at least two different extension sets.</summary>
    public static IReadOnlyList<ExtensionScenario> Default { get; } = [PlainUdp, MasqueradeWithAccounting];

    public static ExtensionScenario ByName(string name) => All.Single(s => s.Name == name);

    private static void Nft(NamespaceLab lab, string ns, string ruleset) =>
        ProcessRunner.Run("ip", ["netns", "exec", ns, "nft", "-f", "-"], TimeSpan.FromSeconds(20), ruleset)
            .EnsureSuccess($"nft in {ns}");
}
