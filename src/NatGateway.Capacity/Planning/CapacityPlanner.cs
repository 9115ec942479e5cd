using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Model;

namespace NatGateway.Capacity.Planning;

/// <summary>
/// Sizes nf_conntrack_max and nf_conntrack_buckets for a load and a memory budget on the running kernel
/// (the engine behind <c>natgw plan</c>, the Capacity page and /api/v1/capacity/plan).
/// </summary>
public sealed class CapacityPlanner(KernelConntrackFacts facts, ConntrackMemoryModel model)
{
    public CapacityPlanner(KernelConntrackFacts facts) : this(facts, ConntrackMemoryModel.FromFacts(facts)) { }

    public KernelConntrackFacts Facts => facts;
    public ConntrackMemoryModel Model => model;

    public CapacityPlan Plan(CapacityPlanRequest request)
    {
        if (request.PeakFactor < 1) throw new ArgumentException("the peak factor is at least 1");
        if (request.TargetLoadFactor <= 0) throw new ArgumentException("the target load factor must be positive");

        var extensions = request.Extensions ?? request.ExtensionsFromKernel(facts);
        var cost = model.EntryCost(extensions);
        var budget = Budget(request);
        var warnings = new List<string>();

        FlowEstimate? flows = null;
        IReadOnlyList<PolicyChange> policies = [];
        double? expected = request.ExpectedEntries;
        if (expected is null && request.Rates is { } rates)
        {
            flows = FlowEstimator.Estimate(rates, facts.Timeouts);
            expected = flows.AverageEntries;
            // A rule's policy replaces the sysctl for its share of the flows: add what that changes.
            policies = PolicyEstimator.Changes(request.RuleTimeouts ?? [], rates, facts.Timeouts);
            expected = Math.Max(0, expected.Value + policies.Sum(p => p.Delta));
        }
        if (expected is < 0) throw new ArgumentException("expected entries cannot be negative");

        long? withinBudget = budget is { } b ? LargestMaxWithin(b, cost, request.TargetLoadFactor) : null;
        long max;
        if (expected is { } e)
            max = Math.Max(1, (long)Math.Ceiling(e * request.PeakFactor));
        else if (withinBudget is { } fit)
            max = Math.Max(1, fit);
        else
            throw new ArgumentException("give expected entries, connection rates or a memory budget");

        var buckets = BucketsFor(max, request.TargetLoadFactor);
        var entriesBytes = (long)Math.Round(max * cost.TotalBytes);
        var bucketsBytes = model.BucketsMemoryBytes(buckets);
        var full = entriesBytes + bucketsBytes;
        var peak = (long)Math.Ceiling((expected ?? max) * (expected is null ? 1 : request.PeakFactor));
        var (defaultBuckets, defaultMax) = ConntrackKernelDefaults.ForMemory(facts.MemTotalBytes, facts.PageSize);

        if (budget is { } limit && full > limit)
            warnings.Add($"A full table needs {Format.Bytes(full)}, {Format.Bytes(full - limit)} over the {Format.Bytes(limit)} budget; " +
                         $"at most {withinBudget:N0} entries fit. Shorten the dominant timeouts or raise the budget.");
        if (facts.MemTotalBytes > 0 && full > facts.MemTotalBytes / 4)
            warnings.Add($"A full table would use {Format.Bytes(full)}, more than a quarter of RAM ({Format.Bytes(facts.MemTotalBytes)}).");
        if (max > int.MaxValue)
            warnings.Add("nf_conntrack_max is a 32-bit signed sysctl; the recommendation exceeds it.");

        return new CapacityPlan
        {
            Kernel = facts.Kernel.Release,
            Extensions = ConntrackExtensionLayout.Members(extensions).Select(x => x.ToString()).ToList(),
            ConntrackObjectSize = cost.ConntrackObjectSize,
            ExtensionSizeClass = cost.ExtensionSizeClass,
            BytesPerEntry = Math.Round(cost.TotalBytes, 2),
            ExpectedEntries = (long)Math.Ceiling(expected ?? max),
            PeakEntries = peak,
            RecommendedMax = max,
            RecommendedBuckets = buckets,
            EntriesMemoryBytes = entriesBytes,
            BucketsMemoryBytes = bucketsBytes,
            FullTableMemoryBytes = full,
            LoadFactor = Math.Round((double)max / buckets, 4),
            ExpectedChainLength = Math.Round(2.0 * peak / buckets, 4),
            FullTableChainLength = Math.Round(2.0 * max / buckets, 4),
            MemoryBudgetBytes = budget,
            HeadroomBytes = budget - full,
            MaxEntriesWithinBudget = withinBudget,
            Timeouts = flows is null ? [] : Contributions(flows, request.PeakFactor, cost.TotalBytes),
            Policies = policies.Select(p => new PolicyContribution(p.Rule, p.Sysctl, p.PolicySeconds, p.SysctlSeconds,
                (long)Math.Round(p.With * request.PeakFactor), (long)Math.Round(p.Without * request.PeakFactor))).ToList(),
            Snat = SnatCapacity.Compute(request.SnatPortRange, request.SnatAddresses, request.SnatTargetFlowsPerDestination, facts.LocalPortRange),
            SeedFormulaBytes = ComparisonFormulas.SeedFormulaBytes(max, buckets),
            ObjectSizeOnlyBytes = ComparisonFormulas.ObjectSizeOnlyBytes(cost.ConntrackObjectSize, max, buckets),
            KernelDefaultBuckets = defaultBuckets,
            KernelDefaultMax = defaultMax,
            CurrentMax = facts.ConntrackMax,
            CurrentBuckets = facts.Buckets,
            Warnings = warnings,
        };
    }

    /// <summary>Buckets for a table of <paramref name="max"/> entries at the target load, rounded as the kernel allocates them.</summary>
    public long BucketsFor(long max, double targetLoadFactor) =>
        model.AllocatedBuckets((long)Math.Ceiling(max / targetLoadFactor));

    private long? Budget(CapacityPlanRequest request)
    {
        if (request.MemoryBudgetBytes is { } absolute)
            return absolute > 0 ? absolute : throw new ArgumentException("the memory budget must be positive");
        if (request.MemoryBudgetShareOfRam is { } share)
        {
            if (share is <= 0 or > 1) throw new ArgumentException("the share of RAM is between 0 and 1");
            if (facts.MemTotalBytes <= 0) throw new InvalidOperationException("MemTotal is unknown");
            return (long)(facts.MemTotalBytes * share);
        }
        return null;
    }

    // Largest max whose entries plus (page-rounded) hash table fit the budget.
    private long LargestMaxWithin(long budget, EntryCost cost, double loadFactor)
    {
        var perEntry = cost.TotalBytes + ConntrackMemoryModel.BytesPerBucket / loadFactor;
        var max = (long)Math.Floor(budget / perEntry);
        while (max > 0 && Math.Round(max * cost.TotalBytes) + model.BucketsMemoryBytes(BucketsFor(max, loadFactor)) > budget)
        {
            var over = Math.Round(max * cost.TotalBytes) + model.BucketsMemoryBytes(BucketsFor(max, loadFactor)) - budget;
            max -= Math.Max(1, (long)Math.Ceiling(over / cost.TotalBytes));
        }
        return Math.Max(0, max);
    }

    private static List<TimeoutContribution> Contributions(FlowEstimate flows, double peakFactor, double bytesPerEntry)
    {
        var total = flows.AverageEntries;
        return flows.EntriesByTimeout
            .Where(kv => kv.Value.Entries > 0)
            .Select(kv =>
            {
                var (seconds, entries) = kv.Value;
                var suggested = Math.Min(seconds, FlowEstimator.SuggestedSeconds(kv.Key));
                var saved = seconds > 0 ? entries * (seconds - suggested) / seconds * peakFactor : 0;
                return new TimeoutContribution(kv.Key, seconds, (long)Math.Round(entries * peakFactor),
                    Math.Round(total > 0 ? entries / total : 0, 4), suggested, (long)Math.Round(saved),
                    (long)Math.Round(saved * bytesPerEntry));
            })
            .OrderByDescending(c => c.Entries)
            .ToList();
    }
}
