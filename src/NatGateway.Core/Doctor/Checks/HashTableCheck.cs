using NatGateway.Capacity.Planning;
using static NatGateway.Core.Doctor.Checks.CheckSupport;
using static System.FormattableString;

namespace NatGateway.Core.Doctor.Checks;

/// <summary>
/// The conntrack hash has nf_conntrack_buckets chains; every entry is hashed twice (original and reply tuple), so a
/// full table has 2 × max / buckets nodes per chain, and every packet's lookup walks one chain in softirq. Since
/// kernel 5.16 an insertion into a chain longer than 64 is refused and the packet dropped, counted as
/// <c>chaintoolong</c> (nf_conntrack_core.c __nf_conntrack_confirm/nf_conntrack_hash_check_insert, MAX_CHAINLEN).
/// </summary>
public sealed class HashTableCheck : IDoctorCheck
{
    public CheckId Id => CheckId.HashTable;
    public CheckArea Area => CheckArea.Conntrack;
    private const string Title = "Conntrack hash table size";

    /// <summary>More than 8 entries per bucket at a full table means chains of 16+ nodes on average: the kernel's own
    /// default is one entry per bucket (nf_conntrack_max = buckets), and raising max alone (the common advice) is what
    /// makes this ratio grow.</summary>
    public const double WarningEntriesPerBucket = 8;

    public CheckResult Evaluate(DoctorSnapshot s)
    {
        if (s.Conntrack.Value is not { ConntrackMax: { } max, Buckets: { } buckets } facts || buckets <= 0)
            return CheckResult.NotApplicable(Id, Area, Title, $"nf_conntrack_max and nf_conntrack_buckets could not be read: {s.Conntrack.Problem ?? "not present"}");

        var ratio = (double)max / buckets;
        var chainRate = CpuRate(s, c => c.ChainTooLong);
        var evidence = new List<Evidence>
        {
            new("nf_conntrack_max / nf_conntrack_buckets", Invariant($"{Number(max)} / {Number(buckets)} = {ratio:0.##} entries per bucket at full (chains of {2 * ratio:0.#})"),
                "/proc/sys/net/netfilter/nf_conntrack_max, nf_conntrack_buckets"),
        };
        if (s.CpuStats.Known)
            evidence.Add(new Evidence("chaintoolong", $"{Number(CpuSum(s, c => c.ChainTooLong) ?? 0)} total, {Rate(chainRate)}", s.CpuStats.Source));

        var sparse = ratio > WarningEntriesPerBucket;
        if (!sparse && !(chainRate > 0))
            return new CheckResult(Id, Area, CheckStatus.Ok, Title, Invariant($"{ratio:0.##} entries per bucket at full, no chain too long"),
                "The hash table is sized for the table: lookups stay short even when it is full.", evidence, []);

        var fixes = new List<DoctorFix>();
        try
        {
            // Keep max, size the buckets for it (one entry per bucket, the kernel's own ratio).
            var plan = new CapacityPlanner(facts).Plan(new CapacityPlanRequest { ExpectedEntries = max });
            fixes.Add(new DoctorFix(FixKind.SizeWithPlanner, "Size the buckets with the planner",
                $"sets nf_conntrack_buckets = {Number(plan.RecommendedBuckets)} for nf_conntrack_max = {Number(plan.RecommendedMax)} " +
                $"(hash table {Format.Bytes(plan.BucketsMemoryBytes)}) as a capacity revision, commit-confirmed; global sysctls, written from the initial namespace",
                new FixTarget { Value = plan.RecommendedMax, Buckets = plan.RecommendedBuckets }));
        }
        catch (ArgumentException) { }
        return new CheckResult(Id, Area, CheckStatus.Warning, Title,
            chainRate > 0 ? $"the kernel refused insertions into over-long chains ({Rate(chainRate)})" : Invariant($"{ratio:0.#} entries per bucket at a full table"),
            "Every packet looks up its connection in the conntrack hash. With far fewer buckets than entries the chains get " +
            "long, each lookup costs more CPU in softirq, and since kernel 5.16 a new connection whose chain is already " +
            "longer than 64 is dropped (chaintoolong). Raise nf_conntrack_buckets together with nf_conntrack_max " +
            "(buckets ≈ max; each bucket is only 8 bytes).",
            evidence, fixes);
    }
}
