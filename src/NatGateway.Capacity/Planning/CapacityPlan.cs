namespace NatGateway.Capacity.Planning;

/// <summary>
/// Result of <see cref="CapacityPlanner"/>; serialized camelCase for <c>natgw plan --output json</c> and
/// /api/v1/capacity/plan (<c>entriesMemoryBytes</c>, <c>bucketsMemoryBytes</c>, ...).
/// </summary>
public sealed record CapacityPlan
{
    public required string Kernel { get; init; }
    /// <summary>Extension names per entry, e.g. ["Nat", "Acct"].</summary>
    public required IReadOnlyList<string> Extensions { get; init; }
    /// <summary>nf_conntrack slab object size (objsize).</summary>
    public int ConntrackObjectSize { get; init; }
    /// <summary>kmalloc class of the extension area, 0 when the entries carry no extension.</summary>
    public long ExtensionSizeClass { get; init; }
    /// <summary>Kernel memory per entry after slab packing.</summary>
    public double BytesPerEntry { get; init; }

    /// <summary>Average concurrent entries expected (from the input or the rates).</summary>
    public long ExpectedEntries { get; init; }
    /// <summary>Expected entries × peak factor.</summary>
    public long PeakEntries { get; init; }

    /// <summary>Recommended net.netfilter.nf_conntrack_max.</summary>
    public long RecommendedMax { get; init; }
    /// <summary>Recommended net.netfilter.nf_conntrack_buckets (as the kernel will allocate it: a multiple of 512).</summary>
    public long RecommendedBuckets { get; init; }

    /// <summary>Predicted kernel memory of <see cref="RecommendedMax"/> entries, i.e. of a full table.</summary>
    public long EntriesMemoryBytes { get; init; }
    /// <summary>Predicted kernel memory of the hash table with <see cref="RecommendedBuckets"/>.</summary>
    public long BucketsMemoryBytes { get; init; }
    /// <summary>Entries + hash table at a full table.</summary>
    public long FullTableMemoryBytes { get; init; }

    /// <summary>Conntrack entries per bucket at a full table.</summary>
    public double LoadFactor { get; init; }
    /// <summary>Mean tuple hashes per bucket at peak load (each entry is hashed twice: original and reply).</summary>
    public double ExpectedChainLength { get; init; }
    /// <summary>Mean tuple hashes per bucket at a full table.</summary>
    public double FullTableChainLength { get; init; }

    public long? MemoryBudgetBytes { get; init; }
    /// <summary>Budget minus full-table memory; negative when the plan does not fit.</summary>
    public long? HeadroomBytes { get; init; }
    /// <summary>Largest nf_conntrack_max whose full table fits the budget at the target load factor.</summary>
    public long? MaxEntriesWithinBudget { get; init; }

    /// <summary>Which timeouts hold the table, largest first (only with connection rates).</summary>
    public IReadOnlyList<TimeoutContribution> Timeouts { get; init; } = [];
    /// <summary>Where a rule's conntrack timeout policy changes the estimate (with rates and <see cref="CapacityPlanRequest.RuleTimeouts"/>).</summary>
    public IReadOnlyList<PolicyContribution> Policies { get; init; } = [];
    public SnatCapacity? Snat { get; init; }

    /// <summary>The seed rule of thumb (max × 376 B + buckets × 16 B) for the same table, for comparison.</summary>
    public long SeedFormulaBytes { get; init; }
    /// <summary>Object size only (objsize × max + 8 B × buckets) for the same table, for comparison.</summary>
    public long ObjectSizeOnlyBytes { get; init; }

    /// <summary>What the kernel would pick by itself for this RAM (Linux ≥ 5.15).</summary>
    public long KernelDefaultBuckets { get; init; }
    public long KernelDefaultMax { get; init; }
    public long? CurrentMax { get; init; }
    public long? CurrentBuckets { get; init; }

    public IReadOnlyList<string> Warnings { get; init; } = [];
}
