using System.Globalization;
using NatGateway.Conntrack;
using NatGateway.Nat;

namespace NatGateway.Core.Doctor.Checks;

/// <summary>Small shared pieces of the checks: counter sums and rates, the SNAT rules of a rule list, number text.</summary>
internal static class CheckSupport
{
    /// <summary>The per-second rate of one <c>conntrack -S</c> counter summed over the CPUs, or null without two samples.</summary>
    public static double? CpuRate(DoctorSnapshot s, Func<CpuStats, uint> counter) =>
        s.Rate(x => x.CpuStats.Value is { } cpus ? cpus.Sum(c => (double)counter(c)) : null);

    public static long? CpuSum(DoctorSnapshot s, Func<CpuStats, uint> counter) =>
        s.CpuStats.Value is { } cpus ? cpus.Sum(c => (long)counter(c)) : null;

    public static string Rate(double? perSecond) =>
        perSecond is { } r ? string.Create(CultureInfo.InvariantCulture, $"{r:0.##}/s") : "unknown (needs two samples)";

    public static string Percent(double fraction) => string.Create(CultureInfo.InvariantCulture, $"{fraction * 100:0.#}%");

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Enabled masquerade and SNAT rules with the parts the checks read.</summary>
    public static IEnumerable<SourceNatRule> SourceNatRules(IEnumerable<NatRule> rules)
    {
        foreach (var rule in rules)
        {
            if (!rule.Enabled) continue;
            if (rule is MasqueradeRule m) yield return new SourceNatRule(m, m.OutInterfaces, m.SourceCidrs, m.Ports, m.Options);
            else if (rule is SnatRule n) yield return new SourceNatRule(n, n.OutInterfaces, n.SourceCidrs, n.Ports, n.Options);
        }
    }

    public static string RuleLabel(NatRule rule) => rule.Name.Length > 0 ? $"'{rule.Name}'" : rule.Id.ToString();
}

/// <summary>A masquerade or SNAT rule as the checks see it (both kinds carry the same source-NAT parts).</summary>
internal sealed record SourceNatRule(NatRule Rule, IReadOnlyList<string> OutInterfaces, IReadOnlyList<IpPrefix> SourceCidrs,
    NatGateway.Nat.PortRange? Ports, NatOptions Options);
