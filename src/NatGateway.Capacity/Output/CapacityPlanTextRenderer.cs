using System.Globalization;
using System.Text;
using NatGateway.Capacity.Planning;

namespace NatGateway.Capacity.Output;

/// <summary>Plain-text form of a <see cref="CapacityPlan"/> for <c>natgw plan --output text</c>.</summary>
public static class CapacityPlanTextRenderer
{
    public static string Render(CapacityPlan plan)
    {
        var s = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        void Line(string label, string value) => s.Append(ci, $"{label,-28}{value}\n");

        Line("Kernel", plan.Kernel);
        Line("Extensions per entry", plan.Extensions.Count == 0 ? "none" : string.Join(", ", plan.Extensions));
        Line("Bytes per entry", plan.ExtensionSizeClass == 0
            ? string.Create(ci, $"{plan.BytesPerEntry:0.##} (nf_conntrack object {plan.ConntrackObjectSize} B, no extension area)")
            : string.Create(ci, $"{plan.BytesPerEntry:0.##} (nf_conntrack object {plan.ConntrackObjectSize} B + kmalloc-{plan.ExtensionSizeClass} extension area)"));
        Line("Expected entries", string.Create(ci, $"{plan.ExpectedEntries:N0} (peak {plan.PeakEntries:N0})"));
        s.Append('\n');
        Line("nf_conntrack_max", plan.RecommendedMax.ToString("N0", ci) + Current(plan.CurrentMax, ci));
        Line("nf_conntrack_buckets", plan.RecommendedBuckets.ToString("N0", ci) + Current(plan.CurrentBuckets, ci));
        Line("Entries memory", string.Create(ci, $"{Format.Bytes(plan.EntriesMemoryBytes)} ({plan.EntriesMemoryBytes:N0} B)"));
        Line("Hash table memory", string.Create(ci, $"{Format.Bytes(plan.BucketsMemoryBytes)} ({plan.BucketsMemoryBytes:N0} B)"));
        Line("Full table memory", Format.Bytes(plan.FullTableMemoryBytes));
        Line("Load factor", string.Create(ci, $"{plan.LoadFactor:0.##} entries/bucket; chains {plan.ExpectedChainLength:0.##} at peak, {plan.FullTableChainLength:0.##} full"));
        if (plan.MemoryBudgetBytes is { } budget)
        {
            Line("Budget", Format.Bytes(budget));
            Line("Headroom", string.Create(ci, $"{Format.Bytes(plan.HeadroomBytes ?? 0)} (max {plan.MaxEntriesWithinBudget:N0} entries fit)"));
        }
        Line("Kernel default", string.Create(ci, $"max {plan.KernelDefaultMax:N0}, buckets {plan.KernelDefaultBuckets:N0}"));
        Line("Seed formula would say", Format.Bytes(plan.SeedFormulaBytes));
        Line("Object size only would say", Format.Bytes(plan.ObjectSizeOnlyBytes));

        if (plan.Timeouts.Count > 0)
        {
            s.Append("\nTimeouts holding the table (at peak):\n");
            foreach (var t in plan.Timeouts)
            {
                s.Append(ci, $"  {t.Sysctl,-38} {t.CurrentSeconds,6}s {t.Entries,12:N0} entries {t.ShareOfTable * 100,5:0}%");
                if (t.EntriesSaved > 0)
                    s.Append(ci, $"  → {t.SuggestedSeconds}s saves {t.EntriesSaved:N0} entries, {Format.Bytes(t.BytesSaved)}");
                s.Append('\n');
            }
        }
        if (plan.Policies.Count > 0)
        {
            s.Append("\nRule timeout policies (at peak):\n");
            foreach (var p in plan.Policies)
                s.Append(ci, $"  {p.Rule,-24} {p.Sysctl,-38} {p.PolicySeconds,6}s {p.Entries,12:N0} entries (sysctl {p.SysctlSeconds}s: {p.EntriesWithoutPolicy:N0})\n");
        }
        if (plan.Snat is { } snat)
        {
            s.Append('\n');
            Line("SNAT ports", string.Create(ci, $"{snat.PortRange} ({snat.PortRangeSource}): {snat.FlowsPerAddressPerDestination:N0} flows per address to one destination"));
            Line("SNAT addresses", string.Create(ci, $"{snat.Addresses} → {snat.FlowsPerDestination:N0} flows to one destination"));
            if (snat.AddressesNeeded is { } needed)
                Line("SNAT addresses needed", string.Create(ci, $"{needed} for {snat.TargetFlowsPerDestination:N0} flows to one destination"));
        }
        foreach (var w in plan.Warnings)
            s.Append("\nWarning: ").Append(w).Append('\n');
        return s.ToString();
    }

    private static string Current(long? value, CultureInfo ci) => value is { } v ? $" (now {v.ToString("N0", ci)})" : "";
}
