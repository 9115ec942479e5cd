namespace NatGateway.Capacity.Model;

/// <summary>The simpler estimates the model is benchmarked against.</summary>
public static class ComparisonFormulas
{
    /// <summary>The seed notes' rule of thumb: nf_conntrack_max × 376 B + nf_conntrack_buckets × 16 B.</summary>
    public static long SeedFormulaBytes(long entries, long buckets) => entries * 376 + buckets * 16;

    /// <summary>Slab object size only: objsize × entries + 8 B × buckets (ignores the extension area and packing).</summary>
    public static long ObjectSizeOnlyBytes(int conntrackObjectSize, long entries, long buckets) =>
        conntrackObjectSize * entries + ConntrackMemoryModel.BytesPerBucket * buckets;
}
